export { connectTest } from './connect.ts';
export { uniqueName } from './names.ts';
export { findFreePort, NatsServerStartError, startNatsServer } from './nats-server.ts';
export type { NatsServerHandle, StartNatsServerOptions } from './nats-server.ts';
