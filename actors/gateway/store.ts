import { jetstream } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import type { MsgHdrs, NatsConnection } from '@nats-io/transport-node';
import { TRACEPARENT, UNTRACED } from '../../telemetry/trace-context.ts';
import { PubAck, RefusedError, relaySubject } from '../../events/index.ts';
import { requesterKey } from './requester-key.ts';

/**
 * The `traceparent` headers of a message: one value per item in its order (`-` for an untraced
 * one), none at all when nothing is traced.
 */
export const traceHeaders = (traceparents: readonly string[]): MsgHdrs | undefined => {
  if (traceparents.every((t) => t === UNTRACED)) return undefined;
  const h = headers();
  for (const t of traceparents) h.append(TRACEPARENT, t);
  return h;
};

/**
 * Stores one message on `subject` and returns its stream sequence. A connection with its own
 * inbox (secure credentials) asks the gateway, which answers that inbox alone; any other
 * publishes to the stream itself. Throws what the client throws for a refused publish or a
 * missing stream, and `RefusedError` when the stream or the gateway refuses the message.
 */
export const storeMessage = async (
  nc: NatsConnection,
  root: string,
  subject: string,
  bytes: Uint8Array,
  timeoutMs = 5_000,
  traceparents: readonly string[] = [],
): Promise<number> => {
  const key = requesterKey(nc);
  const hdrs = traceHeaders(traceparents);
  const withHeaders = hdrs === undefined ? {} : { headers: hdrs };
  if (key === undefined)
    return (await jetstream(nc).publish(subject, bytes, { timeout: timeoutMs, ...withHeaders }))
      .seq;
  const answer = await nc.request(relaySubject(root, subject, key), bytes, {
    timeout: timeoutMs,
    ...withHeaders,
  });
  let body: unknown;
  try {
    body = answer.json<unknown>();
  } catch {
    body = undefined;
  }
  const ack = PubAck.safeParse(body);
  if (!ack.success)
    throw new RefusedError('invalid_request', `the gateway's answer is not an acknowledgement`);
  if ('error' in ack.data)
    throw new RefusedError(
      'refused',
      `the stream did not store the message on ${subject}: ${ack.data.error.description} (${ack.data.error.code})`,
    );
  return ack.data.seq;
};
