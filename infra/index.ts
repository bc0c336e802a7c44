/**
 * Infrastructure: starting nats-server processes (a private one for tests and benchmarks, the
 * embedded one `fleet up` runs, a secure one with JWT auth). Nothing here knows Fleet's rules.
 */
export {
  findFreePort,
  NatsServerStartError,
  startNatsServer,
  WELL_KNOWN_PORT,
} from './nats-server.ts';
export type { NatsServerHandle, StartNatsServerOptions } from './nats-server.ts';
export { ensureNats } from './embedded-nats.ts';
export type { EnsureNatsOptions, EnsuredNats } from './embedded-nats.ts';
export { clusterArgs, startNatsCluster, waitForMetaLeader } from './nats-cluster.ts';
export type { NatsCluster, NatsClusterNode, StartNatsClusterOptions } from './nats-cluster.ts';
export { startSecureNats } from './start-secure-nats.ts';
export type { SecureServerAuth } from './start-secure-nats.ts';
