import { startNatsServer } from '../cli/nats-server.ts';
import type { NatsServerHandle, StartNatsServerOptions } from '../cli/nats-server.ts';
import type { AuthDir } from './auth-dir.ts';

/**
 * Starts a private nats-server (see `startNatsServer`) that requires the decentralized JWT auth
 * of `auth`: its config is passed with `-c`, and the readiness probe connects as the admin user.
 */
export const startSecureNats = async (
  auth: AuthDir,
  options: Omit<StartNatsServerOptions, 'authenticator'> = {},
): Promise<NatsServerHandle> => {
  const admin = await auth.serviceCreds('admin');
  return startNatsServer({
    ...options,
    args: [...(options.args ?? []), '-c', auth.configPath],
    authenticator: admin.authenticator,
  });
};
