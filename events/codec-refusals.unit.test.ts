/** The codec's refusals: every way a stored message is refused, each with a stable code. */
import { describe, expect, it } from 'vitest';
import { decode, MAX_MESSAGE_BYTES } from './codec.ts';
import { ErrorCode } from './errors.ts';
import type { WorkerId } from './ids.ts';
import { subjects } from './subjects.ts';
import { TaskLimits } from './task-events.ts';
import { bytesOf, sample, sampleEvents } from './test-fixtures.ts';
import {
  CODEC_CODES,
  codecRefusals,
  s,
  submission,
  submissionWith,
  submitSubject,
} from './support/codec-cases.ts';

const { project, pool, workerId, keyId } = sample;
const { refusal, observed } = codecRefusals();

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
