import type { NatsConnection } from '@nats-io/transport-node';
import { ClaimReply, DecodeError, ErrorCode, UnavailableError } from '../../events/index.ts';
import { TRACEPARENT } from '../../telemetry/trace-context.ts';

/** Extra time a claim request waits for the reply beyond the dispatcher's long-poll. */
const CLAIM_MARGIN_MS = 2_000;

const encoder = new TextEncoder();

/** A claim's answer, and the assignments' trace context (one `traceparent` each, in order). */
export interface ClaimAnswer {
  readonly reply: ClaimReply;
  readonly traceparents: readonly string[];
}

/**
 * Asks the dispatcher for up to `max` assignments on the worker's claim `subject`, waiting up to
 * `waitMs` there for work; `id` is the worker's count of its claims (the latest one is served).
 * Throws `UnavailableError` when nobody answers or the dispatcher could not serve, and
 * `DecodeError` when the answer is not a claim reply.
 */
export const requestClaim = async (
  nc: NatsConnection,
  subject: string,
  claim: { readonly max: number; readonly waitMs: number; readonly id?: number | undefined },
): Promise<ClaimAnswer> => {
  const m = await nc.request(subject, encoder.encode(JSON.stringify(claim)), {
    timeout: claim.waitMs + CLAIM_MARGIN_MS,
  });
  let body: unknown;
  try {
    body = m.json<unknown>();
  } catch (cause) {
    throw new DecodeError(ErrorCode.MalformedJson, 'claim reply is not JSON', subject, { cause });
  }
  const reply = ClaimReply.safeParse(body);
  // One `traceparent` per assignment, in order, when the dispatcher traces them.
  if (reply.success)
    return { reply: reply.data, traceparents: m.headers?.values(TRACEPARENT) ?? [] };
  // The dispatcher answers `{ error }` to a claim it could not read.
  const said =
    typeof body === 'object' && body !== null && 'error' in body ? String(body.error) : undefined;
  if (said !== undefined) throw new UnavailableError(`the dispatcher did not serve: ${said}`);
  throw new DecodeError(ErrorCode.SchemaInvalid, 'claim reply is not valid', subject, {
    cause: reply.error,
  });
};
