import { describe, expect, it } from 'vitest';
import { Assignment, decode, encode, MAX_MESSAGE_BYTES, subjects } from '../../events/index.ts';
import type { WorkerId } from '../../events/index.ts';
import { buildReport } from './build-report.ts';
import { TaskError } from './task-error.ts';
import type { JsonValue } from './task-context.ts';

const assignment = Assignment.parse({
  taskId: 't1',
  project: 'health-prod',
  pool: 'gpu',
  attempt: 2,
  leaseExpiresAt: 10_000,
  timeoutMs: 5_000,
  payload: { prompt: 'hi' },
});
const base = { assignment, workerId: 'w1' as WorkerId, durationMs: 41.6, at: 1_000 };
const ref = { taskId: 't1', project: 'health-prod', pool: 'gpu', workerId: 'w1', attempt: 2 };

describe('buildReport', () => {
  it('reports completion with output, usage and the measured duration', () => {
    const r = buildReport({
      ...base,
      outcome: { ok: true, result: { output: { text: 'yo' }, usage: { tokensIn: 3, model: 'm' } } },
    });
    expect(r).toEqual({
      type: 'task.completed',
      data: {
        ...ref,
        output: { text: 'yo' },
        usage: { tokensIn: 3, tokensOut: 0, durationMs: 42, model: 'm' },
      },
      meta: { at: 1_000 },
    });
  });

  it('keeps a duration the handler measured itself, and accepts no result at all', () => {
    const own = buildReport({
      ...base,
      outcome: { ok: true, result: { usage: { durationMs: 7 } } },
    });
    expect(own.data.usage.durationMs).toBe(7);
    const none = buildReport({ ...base, outcome: { ok: true, result: undefined } });
    expect(none).toMatchObject({ type: 'task.completed', data: { usage: { durationMs: 42 } } });
    expect('output' in none.data).toBe(false);
  });

  it('reports a thrown error as a retryable failure with its message and code', () => {
    const error = Object.assign(new Error('boom'), { code: 'ECONNRESET' });
    expect(buildReport({ ...base, outcome: { ok: false, error } })).toEqual({
      type: 'task.failed',
      data: {
        ...ref,
        error: { message: 'boom', code: 'ECONNRESET' },
        retryable: true,
        usage: { tokensIn: 0, tokensOut: 0, durationMs: 42 },
      },
      meta: { at: 1_000 },
    });
  });

  it('honours retryable === false, and describes what was thrown when it is not an Error', () => {
    const fatal = buildReport({
      ...base,
      outcome: { ok: false, error: new TaskError('bad input', { retryable: false, code: 'E1' }) },
    });
    expect(fatal.data).toMatchObject({
      retryable: false,
      error: { message: 'bad input', code: 'E1' },
    });
    const thrown = buildReport({ ...base, outcome: { ok: false, error: { why: 'x' } } });
    expect(thrown.data).toMatchObject({ retryable: true, error: { message: '{"why":"x"}' } });
  });

  it('clips long messages and codes to what the contract allows', () => {
    const r = buildReport({
      ...base,
      outcome: { ok: false, error: new TaskError('m'.repeat(10_000), { code: 'c'.repeat(500) }) },
    });
    expect(r.type === 'task.failed' && r.data.error.message.length).toBe(4096);
    expect(r.type === 'task.failed' && r.data.error.code?.length).toBe(128);
  });

  it('fails, not retryably, a result that breaks the contract', () => {
    const badUsage = buildReport({
      ...base,
      outcome: { ok: true, result: { usage: { tokensIn: -1 } } },
    });
    expect(badUsage.data).toMatchObject({ retryable: false, error: { code: 'invalid_result' } });
    expect(badUsage.type === 'task.failed' && badUsage.data.error.message).toContain(
      'usage.tokensIn',
    );
    const notJson = buildReport({
      ...base,
      outcome: { ok: true, result: { output: { n: Number.NaN } } },
    });
    expect(notJson.data).toMatchObject({ retryable: false, error: { code: 'invalid_result' } });
    const huge = buildReport({
      ...base,
      outcome: { ok: true, result: { output: 'x'.repeat(MAX_MESSAGE_BYTES) } },
    });
    expect(huge.data).toMatchObject({ retryable: false, error: { code: 'output_too_large' } });
  });

  it('fails an output the codec would refuse, so it cannot spoil a batch of reports', () => {
    let deep: JsonValue = 'bottom';
    for (let i = 0; i < 70; i += 1) deep = { down: deep };
    const tooDeep = buildReport({ ...base, outcome: { ok: true, result: { output: deep } } });
    expect(tooDeep.data).toMatchObject({ retryable: false, error: { code: 'invalid_result' } });
    const proto = buildReport({
      ...base,
      outcome: {
        ok: true,
        result: { output: JSON.parse('{"__proto__": {"admin": true}}') as JsonValue },
      },
    });
    expect(proto.type === 'task.failed' && proto.data.error.message).toContain('__proto__');
    // Either way the report itself now decodes on the worker's report subject.
    for (const r of [tooDeep, proto]) {
      const subject = subjects('fleet').report(r.data.project, r.data.pool, r.data.workerId);
      expect(decode(subject, encode(r)).ok).toBe(true);
    }
  });
});
