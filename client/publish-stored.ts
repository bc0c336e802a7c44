import type { NatsConnection } from '@nats-io/transport-node';
import { storeMessage } from '../actors/gateway/index.ts';
import { RefusedError, UnavailableError } from '../events/index.ts';
import { permissionRefusal } from './permission-refusal.ts';

/**
 * Publishes one message to the stream and waits for its acknowledgement; a connection with its
 * own inbox (secure credentials) stores through the gateway (`storeMessage`). Never sets a
 * `Nats-Msg-Id`: JetStream dedupe ids are stream-wide, so one tenant could pre-empt another's
 * id; the fold deduplicates submissions by (project, taskId) instead. Throws
 * `RefusedError('permission_denied')` when the server refuses the subject to this connection's
 * credentials, `RefusedError` when the stream refuses the message, `UnavailableError` when the
 * stream does not store the message. `traceparent` goes in the message's headers.
 */
export const publishStored = async (
  nc: NatsConnection,
  subject: string,
  bytes: Uint8Array,
  root: string,
  traceparent?: string,
): Promise<number> => {
  try {
    return await storeMessage(
      nc,
      root,
      subject,
      bytes,
      undefined,
      traceparent === undefined ? [] : [traceparent],
    );
  } catch (cause) {
    if (cause instanceof RefusedError) throw cause;
    throw (
      permissionRefusal(cause, `store a message on ${subject}`) ??
      new UnavailableError(
        `could not store a message on ${subject} (is the Fleet stream created, and may this ` +
          `connection publish there?)`,
        { cause },
      )
    );
  }
};
