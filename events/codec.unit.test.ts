import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, encode, MAX_MESSAGE_BYTES } from './codec.ts';
import { DecodeError, ErrorCode } from './errors.ts';
import { EventSchemas, MAX_BATCH } from './fleet-event.ts';
import type { EventType, FleetEventInput } from './fleet-event.ts';
import type { WorkerId } from './ids.ts';
import { allowedTypes, subjects } from './subjects.ts';
import { TaskLimits } from './task-events.ts';
import { bytesOf, sample, sampleEvents, sampleSubjects } from './test-fixtures.ts';

const s = subjects();
const { project, pool, workerId, keyId } = sample;
const submitSubject = s.submit(project, pool);
const submission = sampleEvents['task.submitted'];
const types = Object.keys(EventSchemas) as EventType[];

/** A submission with `data` fields replaced, for one-field mutations. */
const submissionWith = (data: Record<string, unknown>, meta: unknown = submission.meta) => ({
  ...submission,
  data: { ...submission.data, ...data },
  meta,
});

/** Every code `decode` can return (other ErrorCodes belong to names, appends and requests). */
const CODEC_CODES: readonly ErrorCode[] = [
  ErrorCode.MalformedJson,
  ErrorCode.SchemaInvalid,
  ErrorCode.UnknownType,
  ErrorCode.Oversize,
  ErrorCode.SubjectMismatch,
  ErrorCode.NotAllowedOnSubject,
  ErrorCode.BadSubject,
];
/** Codes the refusal tests below have seen, checked against CODEC_CODES at the end. */
const observed = new Set<ErrorCode>();

/** Decodes and returns the error, failing the test when the message was accepted. */
const refusal = (subject: string, body: unknown): DecodeError => {
  const r = decode(subject, body instanceof Uint8Array ? body : bytesOf(body));
  if (r.ok) throw new Error(`expected a refusal, got ${JSON.stringify(r.value.events)}`);
  expect(r.error).toBeInstanceOf(DecodeError);
  expect(r.error.subject).toBe(subject);
  expect(CODEC_CODES).toContain(r.error.code);
  observed.add(r.error.code);
  return r.error;
};

describe('decode refuses with a stable code', () => {
  describe('malformed_json', () => {
    it.each([
      ['truncated JSON', new TextEncoder().encode('{"type":')],
      ['empty body', new Uint8Array()],
      ['a bare word', new TextEncoder().encode('hello')],
      ['NaN (Python json.dumps default)', new TextEncoder().encode('{"x": NaN}')],
      ['invalid UTF-8 (0xff)', Uint8Array.of(0x7b, 0xff, 0x7d)],
      ['overlong UTF-8 encoding of "{"', Uint8Array.of(0xc1, 0xbb, 0x7d)],
      ['a UTF-8 encoded lone surrogate', Uint8Array.of(0x22, 0xed, 0xa0, 0x80, 0x22)],
      ['truncated multi-byte sequence', Uint8Array.of(0x22, 0xe2, 0x82, 0x22)],
    ])('%s', (_, bytes) => {
      expect(refusal(submitSubject, bytes).code).toBe(ErrorCode.MalformedJson);
    });
  });

  describe('schema_invalid, with the path of the problem', () => {
    it.each([
      ['data.taskId', submissionWith({ taskId: 'has space' })],
      ['data.taskId', submissionWith({ taskId: 'x'.repeat(65) })],
      ['data.priority', submissionWith({ priority: TaskLimits.maxPriority + 1 })],
      ['data.maxAttempts', submissionWith({ maxAttempts: 0 })],
      ['data.timeoutMs', submissionWith({ timeoutMs: TaskLimits.maxTimeoutMs + 1 })],
      ['data.requirements.models', submissionWith({ requirements: { models: [] } })],
      ['data.requirements.runtimes.0', submissionWith({ requirements: { runtimes: ['vm'] } })],
      ['meta.at', submissionWith({}, { at: 1.5 })],
      ['meta.at', submissionWith({}, {})],
      ['data.project', submissionWith({ project: 'Acme' })],
      ['data', submissionWith({ extra: true })],
      ['meta', { type: 'task.submitted', data: submission.data }],
    ])('%s', (path, body) => {
      const e = refusal(submitSubject, body);
      expect(e.code).toBe(ErrorCode.SchemaInvalid);
      expect(e.path).toBe(path);
      expect(e.message).toContain('task.submitted');
    });

    it.each([[[]], [42], ['text'], [null], [true]])('a body that is not an object: %j', (body) => {
      expect(refusal(submitSubject, body).code).toBe(ErrorCode.SchemaInvalid);
    });
  });

  describe('unknown_type', () => {
    it.each([
      ['task.exploded'],
      ['__proto__'],
      ['constructor'],
      ['toString'],
      ['hasOwnProperty'],
      [42],
      [null],
      [undefined],
    ])('type %j', (type) => {
      const e = refusal(submitSubject, { ...submission, type });
      expect(e.code).toBe(ErrorCode.UnknownType);
      expect(e.path).toBe('type');
    });
  });

  describe('oversize', () => {
    it('refuses a body over MAX_MESSAGE_BYTES, even when it is not JSON', () => {
      const e = refusal(submitSubject, new Uint8Array(MAX_MESSAGE_BYTES + 1));
      expect(e.code).toBe(ErrorCode.Oversize);
    });

    it('accepts a valid body of exactly MAX_MESSAGE_BYTES', () => {
      const json = JSON.stringify(submission);
      const padded = json + ' '.repeat(MAX_MESSAGE_BYTES - json.length);
      const bytes = new TextEncoder().encode(padded);
      expect(bytes.byteLength).toBe(MAX_MESSAGE_BYTES);
      expect(decode(submitSubject, bytes).ok).toBe(true);
    });

    it('honours a smaller maxBytes', () => {
      const bytes = bytesOf(submission);
      const r = decode(submitSubject, bytes, { maxBytes: bytes.byteLength - 1 });
      expect(!r.ok && r.error.code).toBe(ErrorCode.Oversize);
      expect(decode(submitSubject, bytes, { maxBytes: bytes.byteLength }).ok).toBe(true);
    });
  });

  describe('subject_mismatch', () => {
    const otherWorker = 'w-2' as WorkerId;
    it.each([
      ['project', s.submit('other' as typeof project, pool), submission],
      ['pool', s.submit(project, 'cpu' as typeof pool), submission],
      [
        'project on a key subject',
        s.key('other' as typeof project, keyId),
        sampleEvents['key.used'],
      ],
      [
        'workerId on a report subject',
        s.report(project, pool, otherWorker),
        sampleEvents['task.completed'],
      ],
      [
        'workerId on a member subject',
        s.member(project, pool, otherWorker),
        sampleEvents['worker.enrolled'],
      ],
      ['keyId', s.key(project, 'k-2' as typeof keyId), sampleEvents['key.issued']],
      [
        'pool on a dispatch subject',
        s.dispatch(project, 'cpu' as typeof pool),
        sampleEvents['worker.lost'],
      ],
    ])('%s', (_, subject, event) => {
      expect(refusal(subject, event).code).toBe(ErrorCode.SubjectMismatch);
    });
  });

  describe('not_allowed_on_subject', () => {
    it.each([
      ['a submission on the cancel subject', s.cancel(project, pool), submission],
      ['a cancellation on the submit subject', submitSubject, sampleEvents['task.cancelled']],
      [
        'a worker forging an assignment',
        s.report(project, pool, workerId),
        sampleEvents['task.assigned'],
      ],
      [
        'a worker enrolling itself',
        s.report(project, pool, workerId),
        sampleEvents['worker.enrolled'],
      ],
      ['a producer completing a task', submitSubject, sampleEvents['task.completed']],
      [
        'a key event on a member subject',
        s.member(project, pool, workerId),
        sampleEvents['key.revoked'],
      ],
    ])('%s', (_, subject, event) => {
      expect(refusal(subject, event).code).toBe(ErrorCode.NotAllowedOnSubject);
    });
  });

  describe('bad_subject', () => {
    it.each([
      [''],
      ['fleet'],
      ['nats.acme.gpu.submit'],
      [s.claim(project, pool, workerId)],
      [s.heartbeat(project, pool, workerId)],
      [s.enroll()],
      ['fleet.acme.gpu.submit.extra'],
      ['fleet.acme.gpu.*'],
    ])('%j', (subject) => {
      expect(refusal(subject, submission).code).toBe(ErrorCode.BadSubject);
    });

    it('uses the configured root', () => {
      const custom = subjects('acme-fleet').submit(project, pool);
      expect(decode(custom, bytesOf(submission), { root: 'acme-fleet' }).ok).toBe(true);
      expect(refusal(custom, submission).code).toBe(ErrorCode.BadSubject);
    });
  });

  it('has exercised every code the codec returns', () => {
    expect([...observed].sort()).toEqual([...CODEC_CODES].sort());
  });
});

describe('batches', () => {
  const submissions = (n: number) =>
    Array.from({ length: n }, (_, i) => submissionWith({ taskId: `t-${i}` }));

  it('decodes every member in order', () => {
    const r = decode(submitSubject, bytesOf({ batch: submissions(3) }));
    const ids = r.ok ? r.value.events.map((e) => ('taskId' in e.data ? e.data.taskId : '')) : [];
    expect(ids).toEqual(['t-0', 't-1', 't-2']);
  });

  it('admits mixed types when the subject admits each', () => {
    const batch = [
      sampleEvents['task.assigned'],
      sampleEvents['task.requeued'],
      sampleEvents['worker.lost'],
    ];
    const r = decode(s.dispatch(project, pool), bytesOf({ batch }));
    expect(r.ok && r.value.events.map((e) => e.type)).toEqual([
      'task.assigned',
      'task.requeued',
      'worker.lost',
    ]);
  });

  it('refuses the whole batch for one invalid member, naming batch.<i> in the path', () => {
    const batch = submissions(4);
    batch[2] = submissionWith({ taskId: 'bad id' });
    const e = refusal(submitSubject, { batch });
    expect(e.code).toBe(ErrorCode.SchemaInvalid);
    expect(e.path).toBe('batch.2.data.taskId');
    expect(e.message).toContain('batch.2.');
  });

  it.each([
    ['unknown type', { ...submission, type: 'nope' }, ErrorCode.UnknownType],
    ['type not allowed', sampleEvents['task.cancelled'], ErrorCode.NotAllowedOnSubject],
    ['mismatching pool', submissionWith({ pool: 'cpu' }), ErrorCode.SubjectMismatch],
    ['not an object', 'x', ErrorCode.SchemaInvalid],
    ['a nested batch', { batch: [submission] }, ErrorCode.UnknownType],
  ])('refuses the whole batch for a member with %s, naming batch.<i>', (_, member, code) => {
    const batch: unknown[] = submissions(3);
    batch[1] = member;
    const e = refusal(submitSubject, { batch });
    expect(e.code).toBe(code);
    expect(e.message).toContain('batch.1.');
  });

  it(`holds 1 to ${MAX_BATCH} events`, () => {
    expect(refusal(submitSubject, { batch: [] }).code).toBe(ErrorCode.SchemaInvalid);
    expect(refusal(submitSubject, { batch: submissions(MAX_BATCH + 1) }).code).toBe(
      ErrorCode.SchemaInvalid,
    );
    const max = decode(submitSubject, bytesOf({ batch: submissions(MAX_BATCH) }));
    expect(max.ok && max.value.events.length).toBe(MAX_BATCH);
    const one = decode(submitSubject, bytesOf({ batch: submissions(1) }));
    expect(one.ok && one.value.events.length).toBe(1);
  });

  it.each([
    ['an extra key', { batch: [submission], note: 'x' }],
    ['a non-array batch', { batch: submission }],
    ['a null batch', { batch: null }],
  ])('is exactly { batch: [...] }: refuses %s', (_, body) => {
    expect(refusal(submitSubject, body).code).toBe(ErrorCode.SchemaInvalid);
  });
});

describe('defaults are filled in', () => {
  const only = (type: EventType, event: FleetEventInput) => {
    const r = decode(sampleSubjects[type], bytesOf(event));
    if (!r.ok) throw r.error;
    const [first] = r.value.events;
    if (first === undefined) throw new Error('no event');
    return first.data;
  };

  it('task.submitted', () => {
    const data = only('task.submitted', {
      type: 'task.submitted',
      data: { taskId: sample.taskId, project, pool },
      meta: { at: 0 },
    });
    expect(data).toEqual({
      taskId: sample.taskId,
      project,
      pool,
      requirements: { labels: [] },
      priority: 0,
      payload: null,
      maxAttempts: TaskLimits.defaultMaxAttempts,
      timeoutMs: TaskLimits.defaultTimeoutMs,
    });
  });

  it('requirements.labels when requirements are given', () => {
    expect(only('task.submitted', submission)).toMatchObject({
      requirements: { models: ['llama-3.1-70b'], labels: [] },
    });
  });

  it('worker.enrolled', () => {
    const data = only('worker.enrolled', {
      type: 'worker.enrolled',
      data: { workerId, project, pool, keyId },
      meta: { at: 0 },
    });
    expect(data).toMatchObject({
      models: [],
      labels: {},
      exclusive: [],
      runtime: { kind: 'process' },
      capacity: 1,
    });
  });

  it('key.issued', () => {
    expect(only('key.issued', sampleEvents['key.issued'])).toMatchObject({
      models: [],
      labels: {},
      exclusive: [],
    });
  });

  it('usage and retryable of outcomes', () => {
    const usage = { tokensIn: 0, tokensOut: 0, durationMs: 0 };
    expect(only('task.completed', sampleEvents['task.completed'])).toMatchObject({ usage });
    expect(only('task.failed', sampleEvents['task.failed'])).toMatchObject({
      usage,
      retryable: true,
    });
    const partial = {
      ...sampleEvents['task.failed'],
      data: { ...sampleEvents['task.failed'].data, usage: { tokensIn: 5 } },
    };
    expect(only('task.failed', partial)).toMatchObject({
      usage: { tokensIn: 5, tokensOut: 0, durationMs: 0 },
    });
  });
});

describe('label constraints', () => {
  const withLabels = (labels: unknown[]) => submissionWith({ requirements: { labels } });

  it.each([
    { key: 'gpu', op: 'eq', value: 'a100' },
    { key: 'vram', op: 'eq', value: 80 },
    { key: 'spot', op: 'eq', value: false },
    { key: 'zone', op: 'neq', value: 'eu-1' },
    { key: 'zone', op: 'in', values: ['eu-1', 'eu-2'] },
    { key: 'zone', op: 'in', values: [1, 'two', true] },
    { key: 'zone', op: 'notIn', values: ['us-1'] },
    { key: 'cuda', op: 'exists' },
    { key: 'preemptible', op: 'notExists' },
    { key: 'vram', op: 'gt', value: 40 },
    { key: 'vram', op: 'gte', value: 40.5 },
    { key: 'vram', op: 'lt', value: -1 },
    { key: 'vram', op: 'lte', value: 0 },
    { key: 'example.com/tier', op: 'eq', value: 'gold' },
  ])('accepts %j', (constraint) => {
    const r = decode(submitSubject, bytesOf(withLabels([constraint])));
    expect(r.ok).toBe(true);
    if (r.ok)
      expect(r.value.events[0]?.data).toMatchObject({ requirements: { labels: [constraint] } });
  });

  it.each([
    ['gt with a string value', { key: 'vram', op: 'gt', value: '80' }],
    ['lte with a boolean value', { key: 'vram', op: 'lte', value: true }],
    ['gte without a value', { key: 'vram', op: 'gte' }],
    ['in with empty values', { key: 'zone', op: 'in', values: [] }],
    ['in with value instead of values', { key: 'zone', op: 'in', value: 'eu-1' }],
    [
      'notIn with 65 values',
      { key: 'zone', op: 'notIn', values: Array.from({ length: 65 }, (_, i) => i) },
    ],
    ['eq without a value', { key: 'gpu', op: 'eq' }],
    ['eq with values', { key: 'gpu', op: 'eq', values: ['a'] }],
    ['eq with an object value', { key: 'gpu', op: 'eq', value: { a: 1 } }],
    ['eq with a null value', { key: 'gpu', op: 'eq', value: null }],
    ['exists with a value', { key: 'cuda', op: 'exists', value: true }],
    ['an unknown op', { key: 'gpu', op: 'like', value: 'a%' }],
    ['a missing op', { key: 'gpu', value: 'a100' }],
    ['a key starting with "-"', { key: '-gpu', op: 'exists' }],
    ['a key with a space', { key: 'g pu', op: 'exists' }],
    ['a string value over 256 characters', { key: 'gpu', op: 'eq', value: 'x'.repeat(257) }],
  ])('refuses %s', (_, constraint) => {
    const e = refusal(submitSubject, withLabels([constraint]));
    expect(e.code).toBe(ErrorCode.SchemaInvalid);
    expect(e.path?.startsWith('data.requirements.labels.0')).toBe(true);
  });

  it('refuses more than 32 constraints', () => {
    const many = Array.from({ length: 33 }, () => ({ key: 'cuda', op: 'exists' }));
    expect(refusal(submitSubject, withLabels(many)).code).toBe(ErrorCode.SchemaInvalid);
  });
});

describe('encode → decode', () => {
  it.each(types)('round-trips %s on a subject that admits it', (type) => {
    const event = sampleEvents[type];
    const r = decode(sampleSubjects[type], encode(event));
    if (!r.ok) throw r.error;
    expect(r.value.events).toEqual([EventSchemas[type].parse(event)]);
  });

  it('has a sample subject for every type that admits it', () => {
    for (const type of types) {
      const r = decode(sampleSubjects[type], encode(sampleEvents[type]));
      expect(r.ok && allowedTypes[r.value.subject.kind]).toContain(type);
    }
  });

  it('encodes several events as one batch and a single-element list as a single event', () => {
    const list = [sampleEvents['task.assigned'], sampleEvents['task.requeued']];
    const body = JSON.parse(new TextDecoder().decode(encode(list))) as unknown;
    expect(body).toEqual({ batch: list });
    const r = decode(s.dispatch(project, pool), encode(list));
    expect(r.ok && r.value.events.length).toBe(2);
    expect(JSON.parse(new TextDecoder().decode(encode([submission])))).toEqual(submission);
  });

  it('re-encodes decoded events to the same events (defaults are stable)', () => {
    for (const type of types) {
      const first = decode(sampleSubjects[type], encode(sampleEvents[type]));
      if (!first.ok) throw first.error;
      const second = decode(sampleSubjects[type], encode(first.value.events));
      expect(second.ok && second.value.events).toEqual(first.value.events);
    }
  });
});

describe('decode never throws', () => {
  /** A mix of valid stored subjects, request/reply subjects and garbage. */
  const subjectArb = fc.oneof(
    fc.constantFrom(...Object.values(sampleSubjects)),
    fc.constantFrom(
      s.claim(project, pool, workerId),
      s.enroll(),
      s.all(),
      'fleet.acme._keys',
      'fleet..gpu.submit',
      '',
    ),
    fc
      .array(
        fc.oneof(
          fc.constantFrom('fleet', 'acme', 'gpu', '_keys', 'worker', 'member', 'report', 'submit'),
          fc.constantFrom('dispatch', 'w-1', 'k-1', '*', '>', '', 'ACME', '_x', '__proto__'),
          fc.string({ maxLength: 8 }),
        ),
        { minLength: 1, maxLength: 7 },
      )
      .map((t) => t.join('.')),
    fc.string(),
  );
  const typeArb = fc.oneof(fc.constantFrom(...types), fc.string(), fc.jsonValue());
  const eventArb = fc.oneof(
    fc.record({ type: typeArb, data: fc.jsonValue(), meta: fc.jsonValue() }),
    // Valid events with some fields replaced by arbitrary JSON: reaches deep validation.
    fc
      .tuple(
        fc.constantFrom(...types),
        fc.dictionary(
          fc.constantFrom(
            'taskId',
            'project',
            'pool',
            'workerId',
            'keyId',
            'requirements',
            'labels',
            'usage',
            'payload',
            'attempt',
          ),
          fc.jsonValue({ maxDepth: 3 }),
        ),
      )
      .map(([type, patch]) => ({
        ...sampleEvents[type],
        data: { ...sampleEvents[type].data, ...patch },
      })),
    fc.constantFrom(...types).map((t) => sampleEvents[t]),
  );
  const bodyArb = fc.oneof(
    fc.jsonValue(),
    eventArb,
    fc.record({ batch: fc.array(eventArb, { maxLength: 5 }) }),
    fc.record({ batch: fc.jsonValue() }),
  );

  /** Checks the result is well-formed, and that whatever decodes obeys the subject. */
  const wellFormed = (subject: string, bytes: Uint8Array): boolean => {
    const r = decode(subject, bytes);
    if (!r.ok) return r.error instanceof DecodeError && CODEC_CODES.includes(r.error.code);
    const s = r.value.subject;
    return r.value.events.every(
      (e) =>
        allowedTypes[s.kind].includes(e.type) &&
        (s.kind === 'retention' || (e.type !== 'retention.point' && e.data.project === s.project)),
    );
  };

  it('on arbitrary bytes', () => {
    fc.assert(
      fc.property(subjectArb, fc.uint8Array({ maxLength: 256 }), (subject, bytes) =>
        wellFormed(subject, bytes),
      ),
      { numRuns: 2000 },
    );
  });

  it('on arbitrary JSON, bare, as { type, data, meta } and as { batch: [...] }', () => {
    fc.assert(
      fc.property(subjectArb, bodyArb, (subject, body) => wellFormed(subject, bytesOf(body))),
      { numRuns: 2000 },
    );
  });
});
