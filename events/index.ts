/**
 * The wire contract of Fleet: ids, event and command schemas, subjects, stream configuration
 * and the codec. Everything a producer, worker, dispatcher or auditor agrees on lives here.
 */
export {
  ErrorCode,
  FleetError,
  SubjectError,
  DecodeError,
  ConflictError,
  UnavailableError,
  NotFoundError,
  RefusedError,
  InvalidInputError,
} from './errors.ts';
export { ok, err } from './result.ts';
export type { Result } from './result.ts';
export {
  ProjectId,
  PoolId,
  TaskId,
  WorkerId,
  KeyId,
  ModelName,
  UserPublicKey,
  CurvePublicKey,
  isName,
  isId,
} from './ids.ts';
export { LabelKey, LabelValue, Labels, LabelOp, LabelConstraint } from './labels.ts';
export { RuntimeKind, Runtime } from './runtime.ts';
export { EventMeta } from './meta.ts';
export { Usage } from './usage.ts';
export { Requirements } from './requirements.ts';
export { compileChecks } from './compiled-check.ts';
export {
  TaskLimits,
  TaskSubmitted,
  TaskCancelled,
  TaskAssigned,
  RequeueReason,
  TaskRequeued,
  TaskReady,
  TaskLeaseExtended,
  TaskTimedOut,
  DeadlineKind,
  Deadlines,
  TaskRedriven,
  TaskDeadLettered,
  TaskCompleted,
  TaskFailed,
  RetryPolicy,
} from './task-events.ts';
export {
  WorkerEnrolled,
  WorkerDraining,
  WorkerLeft,
  WorkerLost,
  WorkerRevoked,
} from './worker-events.ts';
export { KeyIssued, KeyUsed, KeyRevoked } from './key-events.ts';
export {
  LaunchId,
  TemplateName,
  LaunchRequested,
  LaunchStarted,
  LaunchFailed,
} from './launch-events.ts';
export { RuntimeTemplate, RuntimeTemplates } from './runtime-template.ts';
export {
  LaunchIds,
  Provision,
  RecordStarted,
  RecordFailure,
  ProvisionCommand,
} from './provision-commands.ts';
export type { RuntimeTemplateInput } from './runtime-template.ts';
export { ProgressLimits, TaskProgress } from './progress-events.ts';
export { ClaimRejectReason, ClaimRejected } from './claim-events.ts';
export {
  isRetentionEvent,
  OperatorPublicKey,
  RetentionLimits,
  RetentionPoint,
  retentionLimitsMessage,
  retentionMessage,
} from './retention-events.ts';
export {
  LimitBounds,
  DEFAULT_ESTIMATE,
  LimitPeriod,
  LimitBudget,
  LimitRate,
  LimitEstimate,
  LimitRule,
  LimitSet,
  LimitCleared,
  LimitRefused,
  TaskOverLimit,
  isTimeZone,
} from './limit-events.ts';
export { DEFAULT_PRICE_TABLE, ModelPrice, PriceTable, priceTokens } from './price-table.ts';
export { EventSchemas, FleetEvent, WireMessage, MAX_BATCH, isEventType } from './fleet-event.ts';
export type { EventType, EventOf, FleetEventInput } from './fleet-event.ts';
export {
  DEFAULT_ROOT,
  SubjectKind,
  subjects,
  parseSubject,
  parseRpcSubject,
  subjectMatches,
  allowedTypes,
} from './subjects.ts';
export type { ParsedSubject, ParsedRpcSubject, Subjects } from './subjects.ts';
export {
  decode,
  encode,
  jsonShapeProblem,
  refusalSubject,
  MAX_MESSAGE_BYTES,
  MAX_JSON_DEPTH,
} from './codec.ts';
export type { DecodeOptions, Decoded } from './codec.ts';
export { storable, messageLimit, MAX_OUTPUT_DEPTH, BATCH_FIELD_DEPTH } from './storable.ts';
export {
  DEFAULT_SNAPSHOT_BUCKET,
  DEFAULT_PROJECTION_BUCKET,
  snapshotBucket,
  projectionBucket,
  DEFAULT_LEASE_BUCKET,
  leaseBucket,
  bucketStream,
} from './buckets.ts';
export { relaySubject, relayFilter, parseRelaySubject, PubAck } from './store-relay.ts';
export type { Relayed } from './store-relay.ts';
export { INBOX_ROOT, inboxPrefix, inboxOwner, replyRefusal } from './reply-subject.ts';
export type { ReplyRefusal } from './reply-subject.ts';
export {
  DEFAULT_STREAM,
  DEDUPE_WINDOW_MS,
  streamConfig,
  streamLimitsConfig,
  streamLimitsOf,
  dispatcherFilter,
  projectFilter,
  Headers,
} from './streams.ts';
export type { StreamLimits } from './streams.ts';
export { Claim, ServeClaims, CheckLiveness, DispatchCommand } from './commands.ts';
export {
  ClaimRequest,
  Heartbeat,
  Assignment,
  ClaimReply,
  HeartbeatReply,
  EnrollRefusal,
  EnrollRequest,
  EnrollReply,
  EnrollAdmitted,
  SealedEnrollment,
  RenewRequest,
  WorkerCredentials,
  TaskStatusRequest,
  TaskStatusReply,
} from './requests.ts';
export { TaskReport, taskReportOf } from './task-report.ts';
export { isReadable } from './recorded.ts';
export type { RecordedEvents, RecordedRefusal, RefusalSubject, LogEntry } from './recorded.ts';
export { DispatcherLease } from './dispatcher-lease.ts';
