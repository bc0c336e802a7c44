import { expect } from 'vitest';
import { decode } from '../codec.ts';
import { DecodeError, ErrorCode } from '../errors.ts';
import { EventSchemas } from '../fleet-event.ts';
import type { EventType } from '../fleet-event.ts';
import { subjects } from '../subjects.ts';
import { bytesOf, sample, sampleEvents } from '../test-fixtures.ts';

/** The codec tests' sample subjects and submission. */
export const s = subjects();
export const submitSubject = s.submit(sample.project, sample.pool);
export const submission = sampleEvents['task.submitted'];
export const types = Object.keys(EventSchemas) as EventType[];

/** A submission with `data` fields replaced, for one-field mutations. */
export const submissionWith = (data: Record<string, unknown>, meta: unknown = submission.meta) => ({
  ...submission,
  data: { ...submission.data, ...data },
  meta,
});

/** Every code `decode` can return (other ErrorCodes belong to names, appends and requests). */
export const CODEC_CODES: readonly ErrorCode[] = [
  ErrorCode.MalformedJson,
  ErrorCode.SchemaInvalid,
  ErrorCode.UnknownType,
  ErrorCode.Oversize,
  ErrorCode.SubjectMismatch,
  ErrorCode.NotAllowedOnSubject,
  ErrorCode.BadSubject,
];

/**
 * `refusal` decodes and returns the error, failing the test when the message was accepted;
 * `observed` holds the codes it has seen, for a check against CODEC_CODES.
 */
export const codecRefusals = () => {
  const observed = new Set<ErrorCode>();
  const refusal = (subject: string, body: unknown): DecodeError => {
    const r = decode(subject, body instanceof Uint8Array ? body : bytesOf(body));
    if (r.ok) throw new Error(`expected a refusal, got ${JSON.stringify(r.value.events)}`);
    expect(r.error).toBeInstanceOf(DecodeError);
    expect(r.error.subject).toBe(subject);
    expect(CODEC_CODES).toContain(r.error.code);
    observed.add(r.error.code);
    return r.error;
  };
  return { refusal, observed };
};
