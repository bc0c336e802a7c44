/** The gateway: stores what untrusted users write, answering only their own inboxes. */
export { startGateway } from './gateway.ts';
export type { Gateway, GatewayOptions } from './gateway.ts';
export { storeMessage } from './store.ts';
export { requesterKey } from './requester-key.ts';
