import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readTaskLines } from './task-lines.ts';

const lines = (...texts: string[]) => Readable.from([texts.join('\n')]);
const place = { project: 'health-prod', pool: 'gpu' };

describe('readTaskLines', () => {
  it('validates every line, numbering refusals by their line in the file', async () => {
    const read = await readTaskLines(
      lines(
        '{"taskId":"a","requirements":{"models":["llama"]},"priority":5}',
        '',
        'not json',
        '[1,2]',
        '{"taskId":"b","priority":"high"}',
        '{"taskId":"a"}',
        '{"taskId":"c","project":"fin-prod","pool":"cpu","payload":{"n":1}}',
      ),
      place,
      1_000,
    );
    expect(read.tasks.map((t) => [t.line, t.event.data])).toEqual([
      [1, expect.objectContaining({ taskId: 'a', ...place, priority: 5 })],
      [7, expect.objectContaining({ taskId: 'c', project: 'fin-prod', pool: 'cpu' })],
    ]);
    expect(read.tasks[0]?.event.meta.at).toBe(1_000);
    expect(read.refused).toEqual([
      { line: 3, message: 'not JSON' },
      { line: 4, message: 'not a JSON object (one task per line)' },
      { line: 5, message: expect.stringMatching(/^invalid task: priority: /) as unknown },
      { line: 6, message: 'task a is already on line 1' },
    ]);
  });

  it('refuses a line without a project or pool when the command gives none', async () => {
    const read = await readTaskLines(lines('{"taskId":"a","pool":"gpu"}'), {}, 0);
    expect(read.tasks).toEqual([]);
    expect(read.refused).toEqual([
      { line: 1, message: expect.stringMatching(/project/) as unknown },
    ]);
  });

  it('gives every line without an id its own', async () => {
    const read = await readTaskLines(lines('{}', '{}', '{}'), place, 0);
    expect(new Set(read.tasks.map((t) => t.event.data.taskId)).size).toBe(3);
  });
});
