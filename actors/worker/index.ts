/**
 * The worker SDK: enroll with a key, heartbeat, claim, run a handler per attempt and report
 * every outcome on the worker's own subject; drain to leave cleanly. `execHandler` runs a shell
 * command per attempt (the `fleet worker --exec` handler).
 */
export { createWorker } from './create-worker.ts';
export type { Worker, InFlightAttempt } from './worker.ts';
export type { WorkerOptions } from './worker-options.ts';
export type { WorkerPhase } from './worker-phase.ts';
export { execHandler } from './exec-handler.ts';
export type { ExecHandlerOptions } from './exec-handler.ts';
export { outputOf } from './output-of.ts';
export { enroll, enrollment, renewCredentials } from './enroll.ts';
export type { Enrollment, WorkerIdentity } from './enroll.ts';
export { TaskError } from './task-error.ts';
export { AbortedError, AbortReason } from './aborted-error.ts';
export { buildReport } from './build-report.ts';
export type { HandlerOutcome, Report } from './build-report.ts';
export { backoffMs } from './backoff.ts';
export type { BackoffOptions } from './backoff.ts';
export type { TaskContext, TaskResult, TaskHandler, JsonValue } from './task-context.ts';
export type { WorkerLifecycleEvent } from './worker-lifecycle-event.ts';
