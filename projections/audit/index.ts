/**
 * Audit and time travel: replay the stream to prove what happened. `audit` re-derives, for
 * every decision, whether it was legitimate given the events before it; `stateAt` rebuilds the
 * fleet at any past point. Both use this folder's own fold of the contract's rules and share
 * no code with the dispatcher beyond the event schemas, so they check it independently.
 * The fold's rules live one family per file (`fold-*.ts`), dispatched by `foldEvent`; only
 * the names below are public.
 */
export { audit, Auditor } from './auditor.ts';
export type { AuditOptions } from './auditor.ts';
export { auditReport } from './audit-report.ts';
export type { AuditReport, AuditWindow, AuditLogCheck } from './audit-report.ts';
export { LogWholeness } from './log-wholeness.ts';
export type { LimitsCover, LogWholenessOptions, RetentionCover } from './log-wholeness.ts';
export { signRetention, retentionProblem } from './retention-signature.ts';
export type { RetentionFields } from './retention-signature.ts';
export type { AuditItem, AuditSource } from './audit-item.ts';
export { foldAuditItem } from './fold-audit-item.ts';
export { NoEffect } from './no-effect.ts';
export {
  initialAuditState,
  AuditTaskStatus,
  AuditWorkerStatus,
  auditTaskKey,
  auditWorkerKey,
} from './audit-state.ts';
export type {
  AuditState,
  AuditStateOptions,
  AuditObserver,
  AuditCounts,
  AuditTask,
  AuditWorker,
  AuditKey,
  LiveAttempt,
  At,
} from './audit-state.ts';
export { ViolationKind, VIOLATION_KINDS } from './violation.ts';
export type { Violation } from './violation.ts';
export { labelHolds } from './label-holds.ts';
export { unmetRequirements } from './unmet-requirements.ts';
export type { TaskDemand, WorkerOffer } from './unmet-requirements.ts';
export { stateAt, fleetStateOf } from './rebuild-state.ts';
export type {
  FleetStateAt,
  StateAtOptions,
  WorkerAt,
  QueuedTaskAt,
  AssignedTaskAt,
} from './rebuild-state.ts';
export { parseLogPoint, atOrAfter, atOrBefore, logPointJson, formatLogPoint } from './log-point.ts';
export type { LogPoint } from './log-point.ts';
export { readLog } from './read-log.ts';
export type { ReadLogOptions, ReadLogResult, LogExtent } from './read-log.ts';
export type { ReadableLog, LogTail } from './readable-log.ts';
export { progressBar } from './progress-bar.ts';
export type { ProgressBar, ProgressBarOptions } from './progress-bar.ts';
export { describeEvent, mentions } from './describe-event.ts';
export type { EntityFilter } from './describe-event.ts';
