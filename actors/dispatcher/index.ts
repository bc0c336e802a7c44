/**
 * The pure core of a pool's dispatcher: state, fold (`evolve`), decisions (`decide`),
 * matching and the explanation of why tasks wait. No I/O; time comes in as arguments.
 */
export { initialState, defaultConfig, WorkerStatus, taskKey } from './state.ts';
export type {
  DispatchState,
  TaskKey,
  DispatcherConfig,
  WorkerState,
  TaskState,
  TaskStatus,
  QueuedTask,
  AssignedTask,
  EndedTask,
  Capability,
  Demand,
  FoldRejection,
} from './state.ts';
export { evolve, evolveAll, evolveRecipe } from './evolve.ts';
export { decide } from './decide.ts';
export { FoldRejectReason } from './fold-reject-reason.ts';
export { labelHolds, unmetRequirements } from './matching.ts';
export type { Unmet } from './matching.ts';
export { demandSignature, capabilitySignature } from './signatures.ts';
export { whyWaiting, whyDemandWaits, waitingReport } from './why-waiting.ts';
export type { WaitReason, WaitingGroup } from './why-waiting.ts';
