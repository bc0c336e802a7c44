import { connect } from '@nats-io/transport-node';
import type { Authenticator, NatsConnection } from '@nats-io/transport-node';
import { DEFAULT_ROOT, DEFAULT_STREAM, UnavailableError } from '../events/index.ts';
import type { StreamLimits } from '../events/index.ts';
import type { CredentialIssuer } from '../actors/registrar/credential-issuer.ts';
import { EventLog } from '../log/index.ts';
import { openAuthDir } from './auth-dir.ts';
import type { AuthDir } from './auth-dir.ts';
import { credentialAuthority, DEFAULT_WORKER_TTL_MS } from './credential-authority.ts';
import { ServiceRole } from './issue-creds.ts';
import type { Deployment } from './issue-creds.ts';

/** What `fleet up --secure` needs: the auth dir, the server's arguments, service connections. */
export interface SecureSetup {
  readonly auth: AuthDir;
  /** For `ensureNats`/`startNatsServer`: the config, and how the readiness probe signs in. */
  readonly nats: { readonly args: string[]; readonly authenticator: Authenticator };
  /** A long-lived connection as the service `role` (its own scoped credentials). */
  connect(url: string, role: ServiceRole): Promise<NatsConnection>;
  /**
   * As the operator, creates the stream (or guards an older one against purge and delete):
   * no service may create or change it.
   */
  provision(url: string): Promise<void>;
  /** The registrar's credential issuer, pushing revocations through a system-user connection. */
  issuer(url: string): Promise<CredentialIssuer>;
  /** Lines telling the operator where the credentials are (paths, never contents). */
  describe(): string[];
  /** Drains the connections opened here. */
  close(): Promise<void>;
}

/**
 * Prepares a secure deployment on `dataDir`: opens (or, on first run, generates) the auth
 * material, writes every service's creds file (mode 0600), and connects services with them.
 */
export const prepareSecure = async (
  dataDir: string,
  deployment: Deployment = {},
  options: { readonly workerTtlMs?: number; readonly limits?: StreamLimits } = {},
): Promise<SecureSetup> => {
  const auth = await openAuthDir(dataDir, { create: true });
  const d = { root: deployment.root ?? DEFAULT_ROOT, stream: deployment.stream ?? DEFAULT_STREAM };
  const workerTtlMs = options.workerTtlMs ?? DEFAULT_WORKER_TTL_MS;
  for (const role of Object.values(ServiceRole)) await auth.serviceCreds(role, d);
  const admin = await auth.serviceCreds(ServiceRole.admin, d);
  const connections: NatsConnection[] = [];
  const open = async (url: string, role: ServiceRole) => {
    const creds = await auth.serviceCreds(role, d);
    try {
      const nc = await connect({
        servers: url,
        name: `fleet-${role}`,
        timeout: 5_000,
        maxReconnectAttempts: -1,
        ...creds.connectOptions(),
      });
      connections.push(nc);
      return nc;
    } catch (cause) {
      throw new UnavailableError(`cannot connect to NATS at ${url} as the ${role} user`, {
        cause,
      });
    }
  };
  return {
    auth,
    nats: { args: ['-c', auth.configPath], authenticator: admin.authenticator },
    connect: open,
    provision: async (url) => {
      const nc = await open(url, ServiceRole.admin);
      try {
        await EventLog.open(nc, {
          ...d,
          ...(options.limits === undefined ? {} : { limits: options.limits }),
          // The limits set here are recorded on the stream, signed as the operator's.
          operator: auth.material.operator,
        });
      } finally {
        connections.splice(connections.indexOf(nc), 1);
        await nc.drain();
      }
    },
    issuer: async (url) =>
      credentialAuthority({
        material: auth.material,
        root: d.root,
        workerTtlMs,
        system: await open(url, ServiceRole.system),
        onAccountJwt: (jwt) => auth.saveAccountJwt(jwt),
        // `fleet creds revoke`'s revocations ride along in every account JWT it pushes.
        kept: auth.ledger,
      }),
    describe: () => [
      `secure: NATS JWT auth (config ${auth.configPath})${auth.created ? ', keys generated now: back them up' : ''}`,
      `  workers enroll with ${auth.credsPath('enroll')} (fleet worker --creds <it>) and get`,
      `  their own credentials (${Math.round(workerTtlMs / 60_000)} min, renewed; cut off when the worker is revoked)`,
      `  operator tools: --creds ${auth.credsPath('admin')}; read-only: ${auth.credsPath('observer')}`,
      '  producers: fleet creds producer --project <project> --out p.creds, then fleet --creds p.creds …',
      '  these files are secrets (mode 0600): never commit, print or share them',
    ],
    close: async () => {
      await Promise.allSettled(connections.map((c) => c.drain()));
    },
  };
};
