import { describe, expect, it } from 'vitest';
import {
  Assignment,
  decode,
  encode,
  MAX_MESSAGE_BYTES,
  MAX_OUTPUT_DEPTH,
  subjects,
} from '../../events/index.ts';
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
    expect(huge.data).toMatchObject({ retryable: false, error: { code: 'invalid_result' } });
    expect(huge.type === 'task.failed' && huge.data.error.message).toContain('byte limit');
  });

  it('takes an output of exactly the limits, and refuses one byte or one level more', () => {
    const subject = subjects('fleet').report(assignment.project, assignment.pool, base.workerId);
    const withOutput = (output: JsonValue) =>
      buildReport({ ...base, outcome: { ok: true, result: { output } } });
    // The report's bytes as a batch of one with an empty string output: the rest is output.
    const empty = withOutput('');
    const room =
      MAX_MESSAGE_BYTES - encode([empty, empty]).byteLength + encode(empty).byteLength + 1;
    const fits = withOutput('x'.repeat(room));
    expect(fits.type).toBe('task.completed');
    const asBatch = new TextEncoder().encode(JSON.stringify({ batch: [fits] }));
    expect(asBatch.byteLength).toBe(MAX_MESSAGE_BYTES);
    expect(decode(subject, encode([fits])).ok).toBe(true);
    const over = withOutput('x'.repeat(room + 1));
    expect(over.data).toMatchObject({ retryable: false, error: { code: 'invalid_result' } });
    let deep: JsonValue = 0;
    for (let i = 0; i < MAX_OUTPUT_DEPTH; i += 1) deep = [deep];
    expect(withOutput(deep).type).toBe('task.completed');
    const deeper = withOutput([deep]);
    expect(deeper.type === 'task.failed' && deeper.data.error).toEqual({
      code: 'invalid_result',
      message:
        "the handler's result cannot be stored: data.output is nested more than 60 levels deep, the most a stored report holds",
    });
    // A smaller server limit is honoured the same way.
    const small = buildReport({
      ...base,
      maxBytes: 2048,
      outcome: { ok: true, result: { output: 'x'.repeat(2048) } },
    });
    expect(small.type === 'task.failed' && small.data.error.message).toContain('2048-byte limit');
  });

  it('fails a result whose getters throw, instead of throwing', () => {
    const result = Object.defineProperty({}, 'output', {
      enumerable: true,
      get: () => {
        throw new Error('no output today');
      },
    });
    const r = buildReport({ ...base, outcome: { ok: true, result } });
    expect(r.type === 'task.failed' && r.data.error).toEqual({
      code: 'invalid_result',
      message: "the handler's result could not be read: no output today",
    });
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
