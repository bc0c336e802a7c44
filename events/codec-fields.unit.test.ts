/** What decode makes of event fields: defaults filled in, and label constraints admitted or refused. */
import { describe, expect, it } from 'vitest';
import { decode } from './codec.ts';
import { ErrorCode } from './errors.ts';
import type { EventType, FleetEventInput } from './fleet-event.ts';
import { TaskLimits } from './task-events.ts';
import { bytesOf, sample, sampleEvents, sampleSubjects } from './test-fixtures.ts';
import { codecRefusals, submission, submissionWith, submitSubject } from './support/codec-cases.ts';

const { project, pool, workerId, keyId } = sample;
const { refusal } = codecRefusals();

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
