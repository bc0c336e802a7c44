import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import type { ConnectionOptions, NatsConnection } from '@nats-io/transport-node';
import type { NatsServerHandle } from '../infra/nats-server.ts';
import { startGateway } from '../actors/gateway/index.ts';
import type { Gateway } from '../actors/gateway/index.ts';
import { EventLog } from '../log/index.ts';
import { openAuthDir } from './auth-dir.ts';
import type { AuthDir } from './auth-dir.ts';
import { startSecureNats } from '../infra/start-secure-nats.ts';
import type { UserCredentials } from './user-credentials.ts';

/** A private nats-server with Fleet's JWT auth, for one test file. */
export interface SecureFixture {
  readonly auth: AuthDir;
  readonly server: NatsServerHandle;
  readonly root: string;
  readonly stream: string;
  /** The operator's connection (admin user) and the log on it. */
  readonly admin: NatsConnection;
  readonly log: EventLog;
  /** The gateway through which workers and producers store, on its own credentials. */
  readonly gateway: Gateway;
  /** Connects as `creds` with its inbox prefix; no reconnects unless `options` say so. */
  connectAs(creds: UserCredentials, options?: Partial<ConnectionOptions>): Promise<NatsConnection>;
  /** Closes every connection made here, stops the server, removes the data dir. */
  stop(): Promise<void>;
}

/**
 * Generates auth material in a temporary data dir, starts a nats-server that requires it, and
 * opens the log (`root`, `stream`) as the admin user.
 */
export const startSecureFixture = async (names: {
  readonly root: string;
  readonly stream: string;
}): Promise<SecureFixture> => {
  const dataDir = await mkdtemp(join(tmpdir(), 'fleet-secure-'));
  const connections: NatsConnection[] = [];
  let server: NatsServerHandle | undefined;
  try {
    const auth = await openAuthDir(dataDir, { create: true });
    server = await startSecureNats({
      configPath: auth.configPath,
      admin: await auth.serviceCreds('admin'),
    });
    const url = server.url;
    const connectAs = async (creds: UserCredentials, options: Partial<ConnectionOptions> = {}) => {
      const nc = await connect({
        servers: url,
        ...creds.connectOptions(),
        reconnect: false,
        ...options,
      });
      connections.push(nc);
      return nc;
    };
    const admin = await connectAs(await auth.serviceCreds('admin'));
    const log = await EventLog.open(admin, names);
    // Untrusted users store through the gateway, as under `fleet up --secure`.
    const gateway = startGateway({
      nc: await connectAs(await auth.serviceCreds('gateway', names)),
      root: names.root,
    });
    const running = server;
    return {
      auth,
      server: running,
      ...names,
      admin,
      log,
      connectAs,
      gateway,
      stop: async () => {
        await gateway.stop();
        await Promise.allSettled(connections.map((c) => c.close()));
        await running.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.allSettled(connections.map((c) => c.close()));
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
};
