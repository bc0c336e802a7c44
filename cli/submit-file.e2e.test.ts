import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { uniqueName } from '../test/harness/index.ts';
import { P, POOL } from '../test/support/builders.ts';
import { cliFixture } from '../test/support/cli-fixture.ts';
import type { CliFixture } from '../test/support/cli-fixture.ts';
import { runCaptured } from './run-captured.ts';

let cli: CliFixture;

beforeEach(async () => {
  cli = await cliFixture();
});
afterEach(() => cli.close());

const globals = () => [
  '--nats',
  inject('natsUrl'),
  '--root',
  cli.f.log.subjects.root,
  '--stream',
  cli.f.log.stream,
];

/** `fleet submit …` with `stdin` as its standard input. */
const withStdin = async (stdin: string, ...args: string[]) => {
  const r = runCaptured([...globals(), 'submit', ...args], { stdin });
  const code = await r.done;
  return { code, out: r.stdout(), err: r.stderr() };
};

/** The task ids the stream holds, in order. */
const storedIds = async (): Promise<string[]> => {
  const r = await cli.run('events', '--json');
  return r.out
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { type: string; data: { taskId?: string } })
    .filter((e) => e.type === 'task.submitted')
    .map((e) => e.data.taskId ?? '');
};

const task = (id: string, over: Record<string, unknown> = {}) =>
  JSON.stringify({ taskId: id, requirements: { models: ['llama'] }, ...over });

describe('fleet submit --file', () => {
  it('stores every task of a file in one message per project and pool', async () => {
    const file = join(tmpdir(), `${uniqueName('tasks')}.ndjson`);
    await writeFile(
      file,
      [
        task('a', { priority: 5 }),
        task('b', { payload: { n: 2 } }),
        '',
        task('c', { project: P.fin }),
      ].join('\n') + '\n',
    );
    const r = await cli.run('submit', '--file', file, '--project', P.health, '--pool', POOL);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toMatch(/^stored 3 of 3 tasks \(lines 1-2, 4\) in 2 messages\n/);
    expect(r.out).toMatch(/^line 4: c \(seq \d+\)$/m);
    expect(await storedIds()).toEqual(['a', 'b', 'c']);
  });

  it('stores nothing when a line is invalid, and names every bad line', async () => {
    const r = await withStdin(
      [task('a'), '{"taskId":"b","priority":"high"}', 'oops', task('c')].join('\n'),
      '--file',
      '-',
      '--project',
      P.health,
      '--pool',
      POOL,
    );
    expect(r.code).toBe(2);
    expect(r.out).toBe('stored 0 of 4 tasks\n');
    expect(r.err).toMatch(
      /^refused 2:\n {2}line 2: invalid task: priority: .*\n {2}line 3: not JSON\n/,
    );
    expect(r.err).toMatch(
      /not stored 2:\n {2}line 1: a: not sent: other lines are not valid tasks/,
    );
    expect(await storedIds()).toEqual([]);
  });

  it('with --skip-invalid stores the valid lines and reports the rest as JSON', async () => {
    const r = await withStdin(
      [task('a'), '{"taskId":"b","pool":"no such pool!"}', task('c')].join('\n'),
      '--file',
      '-',
      '--project',
      P.health,
      '--pool',
      POOL,
      '--skip-invalid',
      '--json',
    );
    expect(r.code).toBe(2);
    const report = JSON.parse(r.out) as Record<string, unknown>;
    expect(report).toMatchObject({
      stored: [
        { line: 1, taskId: 'a' },
        { line: 3, taskId: 'c' },
      ],
      refused: [{ line: 2, message: expect.stringMatching(/pool/) as unknown }],
      unsent: [],
    });
    expect(await storedIds()).toEqual(['a', 'c']);
  });

  it('refuses the options of one task, and a missing file, before connecting', async () => {
    const both = await cli.run('submit', '--file', '-', '--priority', '3', '--wait');
    expect(both.code).toBe(2);
    expect(both.err).toBe(
      "error [invalid_input]: --file takes each task's options from its line, not --priority, --wait\n",
    );
    const missing = await cli.run('submit', '--file', '/nonexistent/tasks.ndjson');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^error \[invalid_input\]: --file: cannot read \/nonexistent/);
    const one = await cli.run('submit', '--pool', POOL);
    expect(one.code).toBe(2);
    expect(one.err).toMatch(/required option '--project <project>' not specified/);
  });

  it('reads standard input of the `fleet` process', async () => {
    const bin = fileURLToPath(new URL('../bin/fleet.mjs', import.meta.url));
    const child = spawn(
      process.execPath,
      [bin, ...globals(), 'submit', '--file', '-', '--project', P.health, '--pool', POOL],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stdin.end(`${task('x')}\n${task('y')}\n`);
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
    expect(out).toMatch(/^stored 2 of 2 tasks/);
    expect(await storedIds()).toEqual(['x', 'y']);
  });
});
