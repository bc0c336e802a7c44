import type { NatsConnection } from '@nats-io/transport-node';
import type { KeyPair } from '@nats-io/nkeys';
import { newSealPair, openEnrollment } from '../../security/sealed-enrollment.ts';
import {
  DecodeError,
  EnrollAdmitted,
  EnrollReply,
  EnrollRequest,
  ErrorCode,
  RefusedError,
  subjects,
  UnavailableError,
} from '../../events/index.ts';
import type { RenewRequest, WorkerCredentials } from '../../events/index.ts';
import type { z } from 'zod';

/** A worker's identity as the registrar issued it: id, project, pool and capabilities. */
export type WorkerIdentity = Extract<EnrollReply, { worker: unknown }>['worker'];

/** What an enrollment (or a renewal) gives: the identity, and credentials in secure mode. */
export interface Enrollment {
  readonly identity: WorkerIdentity;
  readonly credentials?: WorkerCredentials;
}

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
): Promise<WorkerIdentity> => (await enrollment(nc, root, request, timeoutMs)).identity;

/** Like `enroll`, with the credentials a secure registrar issues for `request.publicKey`. */
export const enrollment = async (
  nc: NatsConnection,
  root: string,
  request: z.input<typeof EnrollRequest>,
  timeoutMs: number,
): Promise<Enrollment> => {
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
  // Asking for credentials, the worker draws a curve key for this enrollment alone: the
  // registrar seals its answer to it, so no other host on the shared enrollment user reads it.
  const seal = checked.data.publicKey === undefined ? undefined : newSealPair();
  const sent =
    seal === undefined ? checked.data : { ...checked.data, sealKey: seal.getPublicKey() };
  return ask(nc, root, sent, timeoutMs, 'enrollment', seal);
};

/**
 * Renews a worker's credentials: its current JWT and a signature of the moment by its key
 * (`RenewRequest`). Throws as `enroll` does; `RefusedError` reasons include `worker_revoked`,
 * `worker_lost` and `bad_proof`.
 */
export const renewCredentials = async (
  nc: NatsConnection,
  root: string,
  request: RenewRequest,
  timeoutMs: number,
): Promise<Enrollment> => ask(nc, root, request, timeoutMs, 'renewal');

/** Sends a request on the enrollment subject and reads the registrar's reply. */
const ask = async (
  nc: NatsConnection,
  root: string,
  request: unknown,
  timeoutMs: number,
  what: 'enrollment' | 'renewal',
  seal?: KeyPair,
): Promise<Enrollment> => {
  const subject = subjects(root).enroll();
  let body: unknown;
  try {
    const m = await nc.request(subject, encoder.encode(JSON.stringify(request)), {
      timeout: timeoutMs,
    });
    body = m.json<unknown>();
  } catch (cause) {
    if (cause instanceof SyntaxError)
      throw new DecodeError(ErrorCode.MalformedJson, `${what} reply is not JSON`, subject, {
        cause,
      });
    throw new UnavailableError(`no answer to the ${what} request on ${subject}`, { cause });
  }
  let reply = EnrollReply.safeParse(body);
  if (reply.success && 'sealed' in reply.data) {
    const opened = seal === undefined ? undefined : openEnrollment(reply.data, seal);
    if (opened === undefined)
      throw new DecodeError(
        ErrorCode.SchemaInvalid,
        `${what} reply is sealed to another key, or does not open`,
        subject,
      );
    reply = EnrollAdmitted.safeParse(opened);
  }
  // A registrar that cannot reach the log answers `{ error }`: worth a retry later.
  if (!reply.success && typeof body === 'object' && body !== null && 'error' in body)
    throw new UnavailableError(`the registrar could not answer: ${String(body.error)}`);
  if (!reply.success)
    throw new DecodeError(ErrorCode.SchemaInvalid, `${what} reply is not valid`, subject, {
      cause: reply.error,
    });
  if ('refused' in reply.data)
    throw new RefusedError(reply.data.refused.reason, reply.data.refused.detail);
  if ('sealed' in reply.data)
    throw new DecodeError(ErrorCode.SchemaInvalid, `${what} reply is sealed twice`, subject);
  const { worker, credentials } = reply.data;
  return credentials === undefined ? { identity: worker } : { identity: worker, credentials };
};
