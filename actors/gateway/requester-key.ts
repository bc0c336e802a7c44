import type { NatsConnection } from '@nats-io/transport-node';
import { inboxOwner } from '../../events/index.ts';

/**
 * The user public key of the connection's own inbox prefix (`_INBOX.<key>`), when it was
 * connected with one (secure credentials): requests that name their requester carry it, so a
 * service can tell that the reply subject is the requester's own. Undefined otherwise.
 */
export const requesterKey = (nc: NatsConnection): string | undefined => {
  // The connection keeps the options it was made with; the interface does not list them.
  const options = (nc as { options?: { inboxPrefix?: unknown } }).options;
  const prefix = options?.inboxPrefix;
  return typeof prefix === 'string' ? inboxOwner(prefix) : undefined;
};
