/** The harness starts servers with the production starter; tests never reach the shared 4222. */
export { findFreePort, NatsServerStartError, startNatsServer } from '../../infra/nats-server.ts';
export type { NatsServerHandle, StartNatsServerOptions } from '../../infra/nats-server.ts';
