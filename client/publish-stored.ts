import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { UnavailableError } from '../events/index.ts';
import { permissionRefusal } from './permission-refusal.ts';

/**
 * Publishes one message to the stream and waits for its acknowledgement. Never sets a
 * `Nats-Msg-Id`: JetStream dedupe ids are stream-wide, so one tenant could pre-empt another's
 * id; the fold deduplicates submissions by (project, taskId) instead. Throws
 * `RefusedError('permission_denied')` when the server refuses the subject to this connection's
 * credentials, `UnavailableError` when the stream does not store the message.
 */
export const publishStored = async (
  nc: NatsConnection,
  subject: string,
  bytes: Uint8Array,
): Promise<number> => {
  try {
    const ack = await jetstream(nc).publish(subject, bytes);
    return ack.seq;
  } catch (cause) {
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
