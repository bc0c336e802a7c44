import type { NatsConnection } from '@nats-io/transport-node';
import {
  DecodeError,
  EnrollReply,
  EnrollRequest,
  ErrorCode,
  RefusedError,
  subjects,
  UnavailableError,
} from '../../events/index.ts';
import type { z } from 'zod';

/** A worker's identity as the registrar issued it: id, project, pool and capabilities. */
export type WorkerIdentity = Extract<EnrollReply, { worker: unknown }>['worker'];

const encoder = new TextEncoder();

/**
 * Enrolls with the registrar: sends the key and the offered capabilities on the enrollment
 * subject and returns the new identity. Throws `RefusedError(reason, detail)` when the request is
 * invalid or the registrar refuses it, `UnavailableError` when nobody answers in time, and
 * `DecodeError` when the answer is not a valid reply.
 */
export const enroll = async (
  nc: NatsConnection,
  root: string,
  request: z.input<typeof EnrollRequest>,
  timeoutMs: number,
): Promise<WorkerIdentity> => {
  const checked = EnrollRequest.safeParse(request);
  if (!checked.success) {
    // Never echo the input: it holds the key.
    const issue = checked.error.issues[0];
    const where = issue?.path.map(String).join('.') ?? '';
    throw new RefusedError(
      'invalid_request',
      `invalid enrollment: ${where} ${issue?.message ?? ''}`,
    );
  }
  const subject = subjects(root).enroll();
  let body: unknown;
  try {
    const m = await nc.request(subject, encoder.encode(JSON.stringify(checked.data)), {
      timeout: timeoutMs,
    });
    body = m.json<unknown>();
  } catch (cause) {
    if (cause instanceof SyntaxError)
      throw new DecodeError(ErrorCode.MalformedJson, 'enrollment reply is not JSON', subject, {
        cause,
      });
    throw new UnavailableError(`no answer to the enrollment request on ${subject}`, { cause });
  }
  const reply = EnrollReply.safeParse(body);
  // A registrar that cannot reach the log answers `{ error }`: worth a retry later.
  if (!reply.success && typeof body === 'object' && body !== null && 'error' in body)
    throw new UnavailableError(`the registrar could not enroll: ${String(body.error)}`);
  if (!reply.success)
    throw new DecodeError(ErrorCode.SchemaInvalid, 'enrollment reply is not valid', subject, {
      cause: reply.error,
    });
  if ('refused' in reply.data)
    throw new RefusedError(reply.data.refused.reason, reply.data.refused.detail);
  return reply.data.worker;
};
