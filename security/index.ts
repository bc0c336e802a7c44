/**
 * Tenant isolation in the transport: NATS decentralized JWT auth. An operator, its system
 * account and the Fleet account (users signed by a separate signing key) live in
 * `<dataDir>/auth`; every worker, producer and service connects as a user whose JWT allows
 * only its own subjects, so the server itself refuses a tenant's publish to another tenant's
 * subject. See README.md in this folder.
 */
export {
  allKeys,
  authMaterialFromSeeds,
  createAuthMaterial,
  encodeFleetAccountJwt,
  encodeOperatorJwt,
  encodeSystemAccountJwt,
  FLEET_ACCOUNT_NAME,
  OPERATOR_NAME,
  seedText,
  SYSTEM_ACCOUNT_NAME,
} from './auth-material.ts';
export type { AuthMaterial } from './auth-material.ts';
export { AUTH_FOLDER, AuthFiles, openAuthDir } from './auth-dir.ts';
export type { AuthDir } from './auth-dir.ts';
export {
  EXPIRED_KEEP_MS,
  IssuedCredential,
  LedgerFiles,
  openCredentialLedger,
  revocationTime,
  UserPublicKey,
  UserRevocation,
} from './credential-ledger.ts';
export type { CredentialLedger } from './credential-ledger.ts';
export {
  credentialAuthority,
  DEFAULT_WORKER_TTL_MS,
  REVOCATION_MARGIN_S,
} from './credential-authority.ts';
export type { CredentialAuthorityOptions } from './credential-authority.ts';
export {
  DEFAULT_PRODUCER_TTL_MS,
  fleetSigner,
  issueProducerCreds,
  issueServiceCreds,
  ServiceRole,
  serviceUserName,
} from './issue-creds.ts';
export type { Deployment } from './issue-creds.ts';
export {
  adminPermissions,
  dispatcherPermissions,
  enrollPermissions,
  hudPermissions,
  inboxPrefix,
  observerPermissions,
  producerPermissions,
  registrarPermissions,
  Role,
  systemPermissions,
  workerPermissions,
} from './permissions.ts';
export type { Permissions } from './permissions.ts';
export { provisionerPermissions } from './provisioner-permissions.ts';
export type { ProvisionerScope } from './provisioner-permissions.ts';
export { issueProvisionerCreds } from './issue-provisioner-creds.ts';
export { withDirLock } from './dir-lock.ts';
export type { DirLockOptions } from './dir-lock.ts';
export { pushAccountJwt } from './push-account-jwt.ts';
export { readCredsFile } from './read-creds-file.ts';
export { revocationTarget } from './revocation-target.ts';
export type { RevocationTarget } from './revocation-target.ts';
export { revokeUser } from './revoke-user.ts';
export type { RevokedUser, UserToRevoke } from './revoke-user.ts';
export { RENEWAL_SKEW_MS, renewalMessage, signRenewal, verifyRenewal } from './renewal-proof.ts';
export { serverConfig } from './server-config.ts';
export type { ServerAuthConfig } from './server-config.ts';
export { UserCredentials } from './user-credentials.ts';
export type { UserConnectOptions } from './user-credentials.ts';
export { formatCreds, issueUserJwt, parseCreds, peekUserJwt, verifyUserJwt } from './user-jwt.ts';
export type { UserClaims, UserSigner } from './user-jwt.ts';
