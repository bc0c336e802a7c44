/** Batches of events in one message, and encoding events to the bytes decode reads. */
import { describe, expect, it } from 'vitest';
import { decode, encode } from './codec.ts';
import { ErrorCode } from './errors.ts';
import { EventSchemas, MAX_BATCH } from './fleet-event.ts';
import { allowedTypes } from './subjects.ts';
import { bytesOf, sample, sampleEvents, sampleSubjects } from './test-fixtures.ts';
import {
  codecRefusals,
  s,
  submission,
  submissionWith,
  submitSubject,
  types,
} from './support/codec-cases.ts';

const { project, pool } = sample;
const { refusal } = codecRefusals();

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
