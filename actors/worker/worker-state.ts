import type { Assignment, FleetError, PoolId, ProjectId, TaskId } from '../../events/index.ts';

/** What the worker's machine knows of its identity and options; fixed for its life. */
export interface WorkerSettings {
  readonly project: ProjectId;
  readonly pool: PoolId;
  /** Attempts held at once (the registrar may have lowered what was asked). */
  readonly capacity: number;
  readonly heartbeatMs: number;
  readonly maxBackoffMs: number;
  readonly stopGraceMs: number;
  /** When the registrar admitted the worker (the worker's clock). */
  readonly enrolledAt: number;
}

/** The steps of a drain, in order. */
export const DrainStep = {
  /** `worker.draining` is being appended. */
  announcing: 'announcing',
  /** Waits for the claim under way to be answered and every attempt to be reported. */
  finishing: 'finishing',
  /** `worker.left` is being appended; a `left` heartbeat reply is now expected. */
  leaving: 'leaving',
} as const;
export type DrainStep = (typeof DrainStep)[keyof typeof DrainStep];

/** Where the worker is in its life. */
export type Life =
  /** Admitted by the registrar; nothing sent yet. */
  | { readonly status: 'enrolled' }
  /** Heartbeats, and claims while the dispatcher knows it and a slot is free. */
  | { readonly status: 'running' }
  | { readonly status: 'draining'; readonly step: DrainStep }
  /** Left (or failed to record it, `error`): the heartbeats under way settle, then it ends. */
  | { readonly status: 'closing'; readonly error: FleetError | undefined }
  /** Stopped hard for `error`: aborted handlers get a grace to return before it ends. */
  | { readonly status: 'stopping'; readonly error: FleetError }
  | { readonly status: 'ended'; readonly error: FleetError | undefined };
export type LifeStatus = Life['status'];

/** What the dispatcher's heartbeat replies have said of the worker so far. */
export const Standing = {
  /** No reply has shown that the dispatcher knows it. */
  unheard: 'unheard',
  /** The last reply said `unknown`: its fold lags behind the enrollment; beats go out eagerly. */
  unknown: 'unknown',
  /** A reply said `active` or `draining`: claims may go out. */
  known: 'known',
} as const;
export type Standing = (typeof Standing)[keyof typeof Standing];

/** The claim loop: one long-polled claim at a time. */
export interface Claims {
  readonly status: 'idle' | 'asking' | 'backing_off' | 'over';
  /** Failed claims in a row, for the backoff. */
  readonly failures: number;
  /** The serving dispatcher the worker knew when the latest claim went out. */
  readonly server: string | undefined;
}

/** The heartbeat loop. */
export interface Beats {
  /**
   * `waiting` for the next beat's time; `awaiting_reply` while the dispatcher does not know the
   * worker yet (each answer matters: it starts claiming); `stopped` for good.
   */
  readonly status: 'waiting' | 'awaiting_reply' | 'stopped';
  /** Beats sent and not answered yet: beats go out on schedule even when a reply is slow. */
  readonly pending: number;
}

/**
 * The connection (secure mode). A reconnect fails the requests in flight, and a claim's lost
 * answer would be assignments nobody runs: new claims wait while it is `awaiting_claim` (the claim
 * under way to be answered) or `reconnecting`.
 */
export type Connection = 'steady' | 'awaiting_claim' | 'reconnecting';

/** Where an attempt is, from its assignment until it is reported or dropped. */
export const AttemptStatus = {
  /** The handler runs within its lease. */
  running: 'running',
  /** The lease ran out and the handler was aborted; what it ends with is still reported. */
  expired: 'expired',
  /** Taken away, or the worker stopped hard, while the handler runs: nothing will be reported. */
  dropped: 'dropped',
  /** The handler returned; its report is being stored. */
  reporting: 'reporting',
  /** The worker stopped hard while the report was being stored. */
  abandoned: 'abandoned',
} as const;
export type AttemptStatus = (typeof AttemptStatus)[keyof typeof AttemptStatus];

/** An attempt the worker has taken on; it takes a slot until it leaves this list. */
export interface Attempt {
  readonly assignment: Assignment;
  /** When the handler started (the worker's clock). */
  readonly startedAt: number;
  readonly status: AttemptStatus;
}

/** Everything the worker knows, as one value: what happens next depends on nothing else. */
export interface WorkerState {
  readonly settings: WorkerSettings;
  readonly life: Life;
  readonly standing: Standing;
  readonly claims: Claims;
  /**
   * The dispatcher serving the pool for its current term, as the latest heartbeat reply named
   * it; a change means a claim sent before may be held by one that died.
   */
  readonly server: string | undefined;
  readonly beats: Beats;
  readonly connection: Connection;
  /** In the order they were assigned. */
  readonly attempts: readonly Attempt[];
  /** SIGTERM and SIGINT received: the first drains, the next stops hard. */
  readonly signals: number;
  /**
   * The attempts that left `attempts` lately (`attemptKey`), newest last: one assigned again is
   * not run again. A dispatcher taking over sends every attempt the log says the worker holds,
   * and the report stored a moment ago may not be folded there yet.
   */
  readonly finished: readonly string[];
}

/** How many attempts that left a worker of `capacity` slots remembers. */
export const finishedKept = (capacity: number): number => Math.max(16, Math.min(256, 2 * capacity));

/** One attempt as a `finished` entry. */
export const attemptKey = (taskId: TaskId, attempt: number): string =>
  `${taskId}#${String(attempt)}`;

/** The state of a worker the registrar has just admitted. */
export const initialState = (settings: WorkerSettings): WorkerState => ({
  settings,
  life: { status: 'enrolled' },
  standing: Standing.unheard,
  claims: { status: 'idle', failures: 0, server: undefined },
  server: undefined,
  beats: { status: 'waiting', pending: 0 },
  connection: 'steady',
  attempts: [],
  signals: 0,
  finished: [],
});

/** Whether the fleet still counts the attempt as the worker's: heartbeats name it. */
export const isHeld = (a: Attempt): boolean =>
  a.status === AttemptStatus.running ||
  a.status === AttemptStatus.expired ||
  a.status === AttemptStatus.reporting;

/** The attempt of `taskId`, if the worker has it. */
export const attemptOf = (state: WorkerState, taskId: TaskId): Attempt | undefined =>
  state.attempts.find((a) => a.assignment.taskId === taskId);
