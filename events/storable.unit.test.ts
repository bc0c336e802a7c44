import { describe, expect, it } from 'vitest';
import { decode, encode, MAX_JSON_DEPTH, MAX_MESSAGE_BYTES } from './codec.ts';
import { FleetEvent } from './fleet-event.ts';
import type { FleetEventInput } from './fleet-event.ts';
import { BATCH_FIELD_DEPTH, MAX_OUTPUT_DEPTH, messageLimit, storable } from './storable.ts';
import { sample, sampleEvents, sampleSubjects } from './test-fixtures.ts';

const subject = sampleSubjects['task.completed'];
const completed = (output: unknown): FleetEventInput =>
  ({
    ...sampleEvents['task.completed'],
    data: { ...sampleEvents['task.completed'].data, output },
  }) as FleetEventInput;

/** `levels` nested arrays around a number: `[[0]]` is 2 levels. */
const nested = (levels: number): unknown => {
  let v: unknown = 0;
  for (let i = 0; i < levels; i += 1) v = [v];
  return v;
};

/** Bytes of a batch of one holding the sample completion with `output`, as the log reads it. */
const batchBytes = (output: unknown) =>
  new TextEncoder().encode(JSON.stringify({ batch: [FleetEvent.parse(completed(output))] }))
    .byteLength;

/** The longest string output whose report fits `limit` bytes as a batch of one. */
const longestFitting = (limit: number) => limit - batchBytes('');

const refusal = (output: unknown, maxBytes?: number) => {
  const r = storable(subject, completed(output), maxBytes === undefined ? {} : { maxBytes });
  return r.ok ? undefined : r.error;
};

describe('storable: what a report may hold is what the codec reads back', () => {
  it('derives the output depth from the codec’s limit and the batch envelope', () => {
    expect(BATCH_FIELD_DEPTH).toBe(4);
    expect(MAX_OUTPUT_DEPTH).toBe(MAX_JSON_DEPTH - 4);
  });

  it('accepts an output nested exactly MAX_OUTPUT_DEPTH levels, readable alone and in a batch', () => {
    const event = completed(nested(MAX_OUTPUT_DEPTH));
    const r = storable(subject, event);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({ type: 'task.completed', data: { output: nested(60) } });
    const other = completed('other');
    expect(decode(subject, encode(r.value)).ok).toBe(true);
    expect(decode(subject, encode([r.value, other])).ok).toBe(true);
  });

  it('refuses one level deeper, which the codec would refuse inside a batch', () => {
    const deeper = nested(MAX_OUTPUT_DEPTH + 1);
    expect(refusal(deeper)).toBe(
      'data.output is nested more than 60 levels deep, the most a stored report holds',
    );
    // The failure mode this rule exists for: fine alone, unreadable once batched.
    const event = completed(deeper);
    expect(decode(subject, encode(event)).ok).toBe(true);
    expect(decode(subject, encode([event, completed('other')])).ok).toBe(false);
  });

  it('accepts a report of exactly the message limit as a batch of one, refuses one byte more', () => {
    const n = longestFitting(MAX_MESSAGE_BYTES);
    expect(batchBytes('x'.repeat(n))).toBe(MAX_MESSAGE_BYTES);
    expect(refusal('x'.repeat(n))).toBeUndefined();
    expect(refusal('x'.repeat(n + 1))).toBe(
      `the report takes ${MAX_MESSAGE_BYTES + 1} bytes stored in a batch, over the ${MAX_MESSAGE_BYTES}-byte limit of a message`,
    );
    // Multi-byte characters count as bytes, not characters.
    expect(refusal('é'.repeat(Math.floor(n / 2) + 1))).toContain('over the');
  });

  it('counts the report as stored, with the defaults the codec fills in', () => {
    // The sample leaves usage out; stored, it carries three counters the limit must count.
    const n = longestFitting(MAX_MESSAGE_BYTES);
    const bare = new TextEncoder().encode(
      JSON.stringify({ batch: [completed('x'.repeat(n + 1))] }),
    ).byteLength;
    expect(bare).toBeLessThan(MAX_MESSAGE_BYTES);
    expect(refusal('x'.repeat(n + 1))).toContain('over the');
  });

  it('holds to a smaller limit (a server with a lower max payload), never a larger one', () => {
    const n = longestFitting(4096);
    expect(refusal('x'.repeat(n), 4096)).toBeUndefined();
    expect(refusal('x'.repeat(n + 1), 4096)).toContain('over the 4096-byte limit');
    expect(
      refusal('x'.repeat(longestFitting(MAX_MESSAGE_BYTES) + 1), 2 * MAX_MESSAGE_BYTES),
    ).toContain(`over the ${MAX_MESSAGE_BYTES}-byte limit`);
    expect(messageLimit(undefined)).toBe(MAX_MESSAGE_BYTES);
    expect(messageLimit(64 * 1024)).toBe(64 * 1024);
    expect(messageLimit(8 * MAX_MESSAGE_BYTES)).toBe(MAX_MESSAGE_BYTES);
  });

  it('refuses what JSON cannot hold, naming it, instead of storing what JSON.stringify makes of it', () => {
    const cycle: Record<string, unknown> = { a: 1 };
    cycle['self'] = cycle;
    const cases: [unknown, string][] = [
      [10n, 'a bigint'],
      [{ n: 10n }, 'a bigint'],
      [() => 1, 'a function'],
      [{ f: () => 1 }, 'a function'],
      [{ u: undefined }, 'undefined'],
      // A hole, as `new Array(2)` leaves.
      [new Array<number>(2), 'undefined'],
      [Number.NaN, 'NaN'],
      [{ x: Number.POSITIVE_INFINITY }, 'Infinity'],
      [new Date(0), 'a Date object'],
      [new Map(), 'a Map object'],
      [Symbol('s'), 'a symbol'],
    ];
    for (const [output, what] of cases)
      expect(refusal(output)).toBe(`data.output holds ${what}, which is not JSON`);
    expect(refusal(cycle)).toBe('data.output holds a cycle');
    expect(refusal(JSON.parse('{"a": {"__proto__": 1}}'))).toBe(
      'data.output holds a "__proto__" key',
    );
  });

  it('accepts plain JSON, null-prototype objects included; leaving the output out is fine', () => {
    expect(refusal({ a: [1, 'two', null, true, { b: -0 }] })).toBeUndefined();
    expect(refusal(Object.assign(Object.create(null) as object, { a: 1 }))).toBeUndefined();
    const { output: _, ...data } = sampleEvents['task.completed'].data;
    expect(storable(subject, { ...sampleEvents['task.completed'], data }).ok).toBe(true);
  });

  it('never throws, and stays bounded on shared references that would encode to exabytes', () => {
    const trap = Object.defineProperty({}, 'boom', {
      enumerable: true,
      get: () => {
        throw new Error('getter failed');
      },
    });
    expect(refusal(trap)).toBe('the event could not be read: getter failed');
    let wide: unknown = 0;
    for (let i = 0; i < 50; i += 1) wide = { l: wide, r: wide };
    expect(refusal(wide)).toBe(
      `the event holds more values than ${MAX_MESSAGE_BYTES} bytes can encode`,
    );
  });

  it('refuses what the schema or the subject refuses, with the codec’s reason', () => {
    const badUsage = {
      ...sampleEvents['task.completed'],
      data: { ...sampleEvents['task.completed'].data, usage: { tokensIn: -1 } },
    };
    const r = storable(subject, badUsage);
    expect(r.ok ? '' : r.error).toMatch(/^task\.completed: data\.usage\.tokensIn: /);
    const elsewhere = storable(
      subject.replace(sample.workerId, 'w-2'),
      sampleEvents['task.completed'],
    );
    expect(elsewhere.ok ? '' : elsewhere.error).toContain('workerId');
  });
});
