/**
 * The rule of a pool, in one place: its state, how each stored event changes it (`evolve`,
 * with an explicit verdict), and what the dispatcher decides on it (`decide`), with matching
 * and the explanation of why tasks wait. Pure: no I/O, and time comes in as arguments.
 */
export { initialState, defaultConfig, WorkerStatus, taskKey } from './state.ts';
export type {
  DispatchState,
  TaskKey,
  DispatcherConfig,
  WorkerState,
  TaskState,
  TaskStatus,
  LiveTask,
  Capability,
  Demand,
  RefusedEvent,
} from './state.ts';
export type { TaskSpec, EndedStatus } from './task-records.ts';
export { AssignedTask, EndedTask, QueuedTask, specKey } from './task-records.ts';
export { TaskTable, emptyRowIndex, fitsRows, indexRows } from './task-table.ts';
export type { QueuedColumns, RowIndex } from './task-table.ts';
export { packEnded, unpackEnded, taskAt } from './ended-index.ts';
export { forgetEnded, initialForgetting } from './forget-ended.ts';
export type { EndedQueue, Forgetting } from './forget-ended.ts';
export { fromPlainState, toPlainState } from './plain-state.ts';
export type { PlainState, PlainTask } from './plain-state.ts';
export type { LogPosition } from './log-position.ts';
export { applied, refuse } from './verdict.ts';
export type { Verdict } from './verdict.ts';
export { RefusedReason } from './refused-reason.ts';
export { evolve, evolveInPlace } from './evolve.ts';
export { evolveEntry, evolveEntryInPlace, evolveEntries } from './evolve-entry.ts';
export { decide } from './decide.ts';
export { defaultFairShare, FAIR_SHARE_BY } from './fair-use.ts';
export type { FairShare, FairShareBy, ProjectUse } from './fair-use.ts';
export { labelHolds, unmetRequirements } from './matching.ts';
export type { Unmet } from './matching.ts';
export { demandSignature, capabilitySignature, eligible } from './signatures.ts';
export { whyWaiting, whyDemandWaits, waitingReport } from './why-waiting.ts';
export { waitReasonText } from './wait-reason-text.ts';
export { queuedInOrder } from './queue.ts';
export { limitGate } from './limits-fold.ts';
export {
  boundElsewhere,
  CHOICES_KEPT,
  initialLaunchState,
  launchOf,
  launchWait,
  mayServe,
} from './launches.ts';
export type {
  LaunchBackoff,
  LaunchState,
  LaunchWait,
  LiveLaunch,
  RuntimeChoice,
} from './launches.ts';
export { backoffMs, defaultBackoff, jitterOf, retryDelay } from './retry-policy.ts';
export type { Backoff, Delay } from './retry-policy.ts';
export type { WaitReason, WaitingGroup } from './why-waiting.ts';
