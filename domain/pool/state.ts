import { initialLimits } from '../limits/index.ts';
import type { LimitsState } from '../limits/index.ts';
import type { AssignedTask, EndedTask, QueuedTask, TaskSpec } from './task-records.ts';
import { defaultFairShare } from './fair-use.ts';
import type { FairShare, ProjectUse } from './fair-use.ts';
import { initialLaunchState } from './launches.ts';
import type { LaunchState } from './launches.ts';
import { defaultBackoff } from './retry-policy.ts';
import { initialForgetting } from './forget-ended.ts';
import type { Forgetting } from './forget-ended.ts';
import type { Backoff, Delay } from './retry-policy.ts';
import type { TaskDeadlines } from './task-deadlines.ts';
import type { Progress } from './fold-progress.ts';
import type {
  KeyId,
  Labels,
  ModelName,
  PoolId,
  ProjectId,
  Requirements,
  RetryPolicy,
  Runtime,
  WorkerId,
} from '../../events/index.ts';

/**
 * A task's key in a pool's state: task ids are chosen by producers and unique only within
 * their project, so two tenants may use the same id without ever meeting.
 */
export type TaskKey = string & { readonly __brand: 'TaskKey' };

/** The key of task `taskId` of `project`. */
export const taskKey = (project: string, taskId: string): TaskKey =>
  `${project}/${taskId}` as TaskKey;

/** Where a worker is in its life. Only `active` workers get new work. */
export const WorkerStatus = {
  active: 'active',
  draining: 'draining',
  left: 'left',
  lost: 'lost',
  revoked: 'revoked',
} as const;
export type WorkerStatus = (typeof WorkerStatus)[keyof typeof WorkerStatus];

/** What a worker offers; workers with equal capabilities share one signature. */
export interface Capability {
  readonly project: ProjectId;
  readonly pool: PoolId;
  readonly models: readonly ModelName[];
  readonly labels: Labels;
  readonly exclusive: readonly string[];
  readonly runtime: Runtime;
}

/** A worker as the dispatcher knows it. */
export interface WorkerState {
  readonly id: WorkerId;
  readonly keyId: KeyId;
  readonly capability: Capability;
  readonly capSig: string;
  readonly capacity: number;
  status: WorkerStatus;
  /** Tasks whose live attempt this worker holds. */
  held: TaskKey[];
  readonly enrolledSeq: number;
  /** Its NATS user public key (secure mode): the dispatcher answers only `_INBOX.<it>.…`. */
  readonly publicKey?: string;
}

/** What a task demands; tasks with equal demands share one signature. */
export interface Demand {
  readonly project: ProjectId;
  readonly pool: PoolId;
  readonly requirements: Requirements;
  readonly timeoutMs: number;
}

export type { AssignedTask, EndedTask, QueuedTask, TaskSpec } from './task-records.ts';

/** A task: queued, assigned or ended — nothing else (records in task-records.ts). */
export type TaskState = QueuedTask | AssignedTask | EndedTask;
/** A task that may still run: all of it is kept. */
export type LiveTask = QueuedTask | AssignedTask;
export type TaskStatus = TaskState['status'];

/** Queued tasks of one demand, by priority, each list in submission order. */
export type DemandQueue = Record<string, TaskKey[]>;

/** A refused event, kept for operators (the most recent few). */
export interface RefusedEvent {
  readonly seq: number;
  readonly type: string;
  readonly reason: string;
  readonly detail: string;
}

/** Settings every replica of a pool's fold must share. */
export interface DispatcherConfig {
  readonly pool: PoolId;
  /** Fair-share weight per project; 1 when absent. */
  readonly weights: Readonly<Record<string, number>>;
  /** What fair share counts: tasks, or measured use with a half-life (fair-use.ts). */
  readonly fairShare: FairShare;
  /** Expected heartbeat period. */
  readonly heartbeatMs: number;
  /** Heartbeats missed before a worker is declared lost. */
  readonly missedBeats: number;
  /** Tolerated difference between the dispatcher's clock and the stream's. */
  readonly clockSkewMs: number;
  /** How many refused events to keep for display. */
  readonly recentRejections: number;
  /** How many refused submissions to remember for their producers. */
  readonly refusedTasksKept: number;
  /**
   * How many ended tasks keep their record; older ones leave for the ended index (a number
   * each: how it ended, its attempts and the sequence it ended on).
   */
  readonly endedTasksKept: number;
  /**
   * Stream time after which an ended task (completed, failed, cancelled) is forgotten: its id
   * may then be submitted again as a new task (forget-ended.ts). Every fold of the pool must
   * share it, as the audit's `--forget-ended-after`.
   */
  readonly forgetEndedAfterMs: number;
  /** The same for a dead-lettered task: how long it may still be redriven. */
  readonly forgetDeadLettersAfterMs: number;
  /** The backoff of retries whose task does not set its own (retry-policy.ts). */
  readonly retry: Backoff;
}

/** The folded state of one pool. */
export interface DispatchState {
  readonly config: DispatcherConfig;
  /** Last stream sequence folded. */
  position: number;
  workers: Record<string, WorkerState>;
  /**
   * Tasks by `taskKey(project, taskId)`. A Map, not an object: a million keys cost an object
   * about twice a Map's time to insert (each key is interned, the table is a dictionary).
   */
  tasks: Map<string, TaskState>;
  /** Queued tasks: project → demand signature → priority → ids. */
  queues: Record<string, Record<string, DemandQueue>>;
  /** Demand signature → demand. */
  demands: Record<string, Demand>;
  /** What tasks of one kind share, by `specKey` (task-records.ts). */
  specs: Record<string, TaskSpec>;
  /** Keys of the ended tasks that still have a record, oldest end first. */
  endedOrder: TaskKey[];
  /** Tasks that ended and left `tasks`: their key → `packEnded` (ended-index.ts). */
  ended: Record<string, number>;
  /**
   * Capability signature → the capability, the workers that have it, and how many of them are
   * active and active with free capacity (kept by the fold, so explaining a wait never walks
   * the workers).
   */
  capabilities: Record<
    string,
    { capability: Capability; workers: WorkerId[]; active: number; free: number }
  >;
  /**
   * Start-time fair queuing across projects: virtual clock and each project's finish tag; and,
   * when fair share counts measured use, each project's decayed use (fair-use.ts).
   */
  fair: { clock: number; tags: Record<string, number>; use: Record<string, ProjectUse> };
  /** Refused events by reason, and the latest ones. */
  rejections: { byReason: Record<string, number>; recent: RefusedEvent[] };
  /** Claims refused at the boundary, by reason. */
  claimsRefused: Record<string, number>;
  /** Refused submissions whose task could be made out, so its producer can be told (latest only). */
  refusedTasks: Record<string, { seq: number; reason: string }>;
  /** Budgets, rates and caps in force, what running attempts reserve, what was spent. */
  limits: LimitsState;
  /** One-shot workers launched for the pool's tasks, and templates backing off (launches.ts). */
  launches: LaunchState;
  /**
   * Queued tasks that wait out a retry's backoff, by key: they are in no queue until a
   * `task.ready` puts them there (retry-policy.ts).
   */
  delayed: Record<string, Delay>;
  /** The retry policies live tasks set for themselves, by key (none for most tasks). */
  retryPolicies: Record<string, RetryPolicy>;
  /** The deadlines of live tasks that asked for any, by key (task-deadlines.ts). */
  deadlines: Record<string, TaskDeadlines>;
  /**
   * The body digest (submission-body.ts) of each ended task that keeps its record, so a
   * resubmission of its id can be told the same from another body once its payload is gone.
   */
  digests: Record<string, number>;
  /** The latest resubmission of each task's id, for its producer (the latest few only). */
  resubmissions: Record<string, { seq: number; reason: string; detail: string }>;
  /** The pool's clock and the ended tasks in the order they ended, to forget them (forget-ended.ts). */
  forgetting: Forgetting;
  /** The latest progress of each running attempt that reported some, by key (fold-progress.ts). */
  progress: Record<string, Progress>;
}

/** Defaults for every setting but the pool. */
export const defaultConfig = {
  weights: {},
  fairShare: defaultFairShare,
  heartbeatMs: 1000,
  missedBeats: 2,
  clockSkewMs: 1000,
  recentRejections: 50,
  refusedTasksKept: 1000,
  endedTasksKept: 10_000,
  forgetEndedAfterMs: 60 * 60_000,
  forgetDeadLettersAfterMs: 7 * 24 * 60 * 60_000,
  retry: defaultBackoff,
} as const satisfies Omit<DispatcherConfig, 'pool'>;

/** The state of a pool before any event. */
export const initialState = (
  config: Partial<DispatcherConfig> & { pool: PoolId },
): DispatchState => ({
  config: { ...defaultConfig, ...config },
  position: 0,
  workers: {},
  tasks: new Map(),
  queues: {},
  demands: {},
  specs: {},
  endedOrder: [],
  ended: {},
  capabilities: {},
  fair: { clock: 0, tags: {}, use: {} },
  rejections: { byReason: {}, recent: [] },
  claimsRefused: {},
  refusedTasks: {},
  limits: initialLimits(),
  launches: initialLaunchState(),
  delayed: {},
  retryPolicies: {},
  deadlines: {},
  digests: {},
  resubmissions: {},
  forgetting: initialForgetting(),
  progress: {},
});
