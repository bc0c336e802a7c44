import type { Authenticator } from '@nats-io/transport-node';
import { startNatsServer } from './nats-server.ts';
import type { NatsServerHandle, StartNatsServerOptions } from './nats-server.ts';

/** What starting a secure server takes: its config, and how the readiness probe signs in. */
export interface SecureServerAuth {
  /** The nats-server config with the operator, accounts and resolver (passed with `-c`). */
  readonly configPath: string;
  /** Credentials the readiness probe connects with: the operator's admin user. */
  readonly admin: { readonly authenticator: Authenticator };
}

/**
 * Starts a private nats-server (see `startNatsServer`) that requires the decentralized JWT auth
 * of `auth`: its config is passed with `-c`, and the readiness probe connects as the admin user.
 */
export const startSecureNats = async (
  auth: SecureServerAuth,
  options: Omit<StartNatsServerOptions, 'authenticator'> = {},
): Promise<NatsServerHandle> =>
  startNatsServer({
    ...options,
    args: [...(options.args ?? []), '-c', auth.configPath],
    authenticator: auth.admin.authenticator,
  });
