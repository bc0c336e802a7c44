/**
 * The registrar: enrollment keys (issue, list, revoke, token format) and the actor that
 * admits workers with them. The core (`decide`, `evolve`) is pure; `startRegistrar` is the
 * shell on NATS.
 */
export { initialState, KeyStatus, RECENT_REJECTIONS } from './state.ts';
export type { ActiveKey, KeyFoldRejection, KeyState, RegistrarState, RevokedKey } from './state.ts';
export { KeyFoldRejectReason } from './fold-reject-reason.ts';
export { evolve, evolveAll, evolveRecipe } from './evolve.ts';
export { EnrollCommand } from './enroll-command.ts';
export { decide } from './decide.ts';
export type { EnrollDecision, EnrollRefused, Enrollment } from './decide.ts';
export {
  formatKeyToken,
  hashSecret,
  issueKey,
  KEY_TOKEN_PREFIX,
  KeyError,
  keysFilter,
  listKeys,
  newKeyId,
  newSecret,
  parseKeyToken,
  revokeKey,
  summarizeKey,
} from './keys.ts';
export type { IssueKeyOptions, IssuedKey, KeySummary, KeySummaryStatus, KeyToken } from './keys.ts';
export { FailureLimiter } from './failure-limiter.ts';
export type { FailureLimiterOptions } from './failure-limiter.ts';
export { registrarLogic } from './registrar-logic.ts';
export { startRegistrar } from './registrar.ts';
export type { CredentialIssuer, CredentialSubject } from './credential-issuer.ts';
export { startMemberWatch } from './member-watch.ts';
export type { MemberWatch, MemberWatchOptions, WatchedWorker } from './member-watch.ts';
export type { Registrar, RegistrarOptions, RegistrarStats } from './registrar.ts';
