import { PoolId, ProjectId } from '../events/index.ts';
import { fleetSigner } from './issue-creds.ts';
import { Role } from './permissions.ts';
import { provisionerPermissions } from './provisioner-permissions.ts';
import type { AuthMaterial } from './auth-material.ts';
import { UserCredentials } from './user-credentials.ts';
import { issueUserJwt } from './user-jwt.ts';

/**
 * New credentials for the provisioner of `pool`: launch events and single-use keys of
 * `projects` (`all`: every project of the pool), reading the stream, nothing else (see
 * `provisionerPermissions`). Like a service's, they never expire unless `expiresAt` says so.
 * Throws for an invalid pool or project name.
 */
export const issueProvisionerCreds = async (
  m: AuthMaterial,
  p: {
    readonly pool: string;
    readonly projects: readonly string[] | 'all';
    readonly root?: string;
    readonly stream?: string;
    readonly expiresAt?: number;
  },
): Promise<UserCredentials> => {
  const pool = PoolId.parse(p.pool);
  const projects = p.projects === 'all' ? 'all' : p.projects.map((x) => ProjectId.parse(x));
  if (projects !== 'all' && projects.length === 0)
    throw new RangeError('a provisioner needs at least one project, or all');
  const pair = UserCredentials.newPair();
  const publicKey = pair.getPublicKey();
  const scope = projects === 'all' ? '*' : projects.join(',');
  const jwt = await issueUserJwt(fleetSigner(m), {
    name: `fleet-provisioner ${pool} ${scope}`,
    publicKey,
    permissions: provisionerPermissions({
      pool,
      projects,
      publicKey,
      ...(p.root === undefined ? {} : { root: p.root }),
      ...(p.stream === undefined ? {} : { stream: p.stream }),
    }),
    tags: [`fleet-role:${Role.provisioner}`, `fleet-pool:${pool}`],
    ...(p.expiresAt === undefined ? {} : { expiresAt: p.expiresAt }),
  });
  return UserCredentials.of(pair, jwt);
};
