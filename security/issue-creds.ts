import { DEFAULT_ROOT, DEFAULT_STREAM, ProjectId } from '../events/index.ts';
import type { AuthMaterial } from './auth-material.ts';
import {
  adminPermissions,
  dispatcherPermissions,
  enrollPermissions,
  gatewayPermissions,
  hudPermissions,
  observerPermissions,
  producerPermissions,
  registrarPermissions,
  Role,
  systemPermissions,
} from './permissions.ts';
import type { Permissions } from './permissions.ts';
import { UserCredentials } from './user-credentials.ts';
import { issueUserJwt } from './user-jwt.ts';
import type { UserSigner } from './user-jwt.ts';

/** Roles whose credentials are files the operator hands to its own processes. */
export const ServiceRole = {
  admin: Role.admin,
  enroll: Role.enroll,
  dispatcher: Role.dispatcher,
  registrar: Role.registrar,
  gateway: Role.gateway,
  observer: Role.observer,
  hud: Role.hud,
  system: Role.system,
} as const;
export type ServiceRole = (typeof ServiceRole)[keyof typeof ServiceRole];

/** Where the service users act. */
export interface Deployment {
  /** Subject root; default `fleet`. */
  readonly root?: string;
  /** Stream name (the observer's reads); default `FLEET`. */
  readonly stream?: string;
}

/** The key that signs Fleet users: the account signing key, on behalf of the Fleet account. */
export const fleetSigner = (m: AuthMaterial): UserSigner => ({
  account: m.account.getPublicKey(),
  key: m.accountSigner,
});

/**
 * The name a service user's JWT carries; tells which deployment its permissions are for (the
 * admin and system users' permissions do not depend on it).
 */
export const serviceUserName = (role: ServiceRole, d: Deployment = {}): string =>
  role === 'admin' || role === 'system'
    ? `fleet-${role}`
    : `fleet-${role} ${d.root ?? DEFAULT_ROOT}/${d.stream ?? DEFAULT_STREAM}`;

/** What a service user of `role` with key `publicKey` may do in deployment `d`. */
export const servicePermissions = (
  role: ServiceRole,
  publicKey: string,
  d: Deployment,
): Permissions => {
  const root = d.root ?? DEFAULT_ROOT;
  switch (role) {
    case 'admin':
      return adminPermissions();
    case 'enroll':
      return enrollPermissions(publicKey, root);
    case 'dispatcher':
      return dispatcherPermissions(d);
    case 'registrar':
      return registrarPermissions(d);
    case 'gateway':
      return gatewayPermissions(root);
    case 'observer':
      return observerPermissions(publicKey, d);
    case 'hud':
      return hudPermissions(publicKey, d);
    case 'system':
      return systemPermissions();
    default: {
      const never: never = role;
      return never;
    }
  }
};

/**
 * New credentials (a fresh key pair and a JWT) for one of the operator's services. They do not
 * expire unless `expiresAt` says so: revoke them (a new account JWT) if one leaks. The system
 * user belongs to the system account; every other one to the Fleet account.
 */
export const issueServiceCreds = async (
  m: AuthMaterial,
  role: ServiceRole,
  d: Deployment = {},
  expiresAt?: number,
): Promise<UserCredentials> => {
  const pair = UserCredentials.newPair();
  const publicKey = pair.getPublicKey();
  const signer: UserSigner =
    role === 'system' ? { account: m.system.getPublicKey(), key: m.system } : fleetSigner(m);
  const jwt = await issueUserJwt(signer, {
    name: serviceUserName(role, d),
    publicKey,
    permissions: servicePermissions(role, publicKey, d),
    tags: [`fleet-role:${role}`],
    ...(expiresAt === undefined ? {} : { expiresAt }),
  });
  return UserCredentials.of(pair, jwt);
};

/** Default lifetime of a producer's credentials. */
export const DEFAULT_PRODUCER_TTL_MS = 24 * 60 * 60_000;

/**
 * New credentials for a producer of `project`: submit and cancel in its pools, ask their task
 * status, nothing else (see `producerPermissions`). Throws for an invalid project name.
 */
export const issueProducerCreds = async (
  m: AuthMaterial,
  producer: {
    readonly project: string;
    readonly root?: string;
    /** Lifetime; default 24 h. */
    readonly ttlMs?: number;
    readonly now?: number;
  },
): Promise<UserCredentials> => {
  const project = ProjectId.parse(producer.project);
  const pair = UserCredentials.newPair();
  const publicKey = pair.getPublicKey();
  const now = producer.now ?? Date.now();
  const jwt = await issueUserJwt(fleetSigner(m), {
    name: `fleet-producer ${project}`,
    publicKey,
    permissions: producerPermissions({ project, publicKey }, producer.root ?? DEFAULT_ROOT),
    expiresAt: now + (producer.ttlMs ?? DEFAULT_PRODUCER_TTL_MS),
    tags: [`fleet-role:${Role.producer}`, `fleet-project:${project}`],
  });
  return UserCredentials.of(pair, jwt);
};
