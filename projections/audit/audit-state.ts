import type { EventOf, FleetEvent, Labels, Requirements, Runtime } from '../../events/index.ts';
import type { AuditItem } from './audit-item.ts';
import { initialAuditLaunches } from './audit-launches.ts';
import type { AuditLaunches } from './audit-launches.ts';
import { AuditLimits } from './audit-limits.ts';
import type { LimitSubject } from './audit-limits.ts';
import type { NoEffect } from './no-effect.ts';
import type { Violation } from './violation.ts';

/** Where a worker is in its life. Only `active` workers may be given work. */
export const AuditWorkerStatus = {
  active: 'active',
  draining: 'draining',
  left: 'left',
  lost: 'lost',
  revoked: 'revoked',
} as const;
export type AuditWorkerStatus = (typeof AuditWorkerStatus)[keyof typeof AuditWorkerStatus];

/** Where a task is: queued, assigned (one live attempt), or ended one way. */
export const AuditTaskStatus = {
  queued: 'queued',
  assigned: 'assigned',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
  deadLettered: 'dead_lettered',
  timedOut: 'timed_out',
} as const;
export type AuditTaskStatus = (typeof AuditTaskStatus)[keyof typeof AuditTaskStatus];

/** A stored event with its stream sequence. */
export interface At<E extends FleetEvent = FleetEvent> {
  readonly seq: number;
  readonly event: E;
}

/** A worker as its enrollment and the lifecycle events after it made it. */
export interface AuditWorker {
  readonly workerId: string;
  readonly project: string;
  readonly pool: string;
  readonly keyId: string;
  readonly models: readonly string[];
  readonly labels: Labels;
  readonly exclusive: readonly string[];
  readonly runtime: Runtime;
  readonly capacity: number;
  readonly enrolled: At<EventOf<'worker.enrolled'>>;
  status: AuditWorkerStatus;
  /** The event that gave the worker its status (its enrollment while active). */
  since: At;
  /** Keys (`project/pool/taskId`) of the tasks whose live attempt it holds. */
  readonly held: Set<string>;
}

/** An attempt a worker holds. */
export interface LiveAttempt {
  readonly workerId: string;
  readonly attempt: number;
  readonly leaseExpiresAt: number;
  readonly assigned: At<EventOf<'task.assigned'>>;
  /** The assignment's stream time: its start-to-close deadline counts from it. */
  readonly assignedAt: number;
}

/** A task as its submission and the effective events after it made it. */
export interface AuditTask {
  readonly key: string;
  readonly taskId: string;
  readonly project: string;
  readonly pool: string;
  readonly requirements: Requirements;
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  readonly priority: number;
  /** Error codes the task's retry policy never retries. */
  readonly nonRetryable: readonly string[];
  readonly submitted: At<EventOf<'task.submitted'>>;
  /** The stream time of its submission (or redrive): its schedule-to-start counts from it. */
  readonly admittedAt: number;
  /** Attempts started before that (a redriven task's): one more, and it has started. */
  readonly admittedAttempts: number;
  status: AuditTaskStatus;
  /** Attempts started so far; the next assignment is attempt `attempts + 1`. */
  attempts: number;
  /** The effective assignment of attempt `attempts`, once there is one. */
  lastAssigned: At<EventOf<'task.assigned'>> | undefined;
  /** The live attempt, while `assigned`. */
  live: LiveAttempt | undefined;
  /** The event that ended the task, once ended. */
  ended: At | undefined;
  /** The clock of its pool when it ended (forgotten.ts), once ended. */
  endedClock: number | undefined;
  /** Reports about the task refused while its current attempt is live (cleared when it ends). */
  refused: At<EventOf<'task.completed'> | EventOf<'task.failed'>>[];
  /** Every assignment decision stored for the task, effective or not. */
  readonly decisions: At<EventOf<'task.assigned'>>[];
}

/** An enrollment key as its events made it. */
export interface AuditKey {
  readonly keyId: string;
  readonly project: string;
  readonly pool: string;
  readonly models: readonly string[];
  readonly labels: Labels;
  readonly exclusive: readonly string[];
  readonly maxUses: number;
  readonly expiresAt: number;
  readonly issued: At<EventOf<'key.issued'>>;
  /** Effective uses so far. */
  uses: number;
  revoked: At | undefined;
  /** Effective uses by worker: the `key.used` and its server time. */
  readonly usedBy: Map<string, At<EventOf<'key.used'>> & { readonly at: number }>;
}

/** Tallies of what was read (while recording). */
export interface AuditCounts {
  messages: number;
  events: number;
  unreadable: number;
  unreadableByCode: Record<string, number>;
  /** Assignment decisions stored, and those that took effect. */
  assignments: number;
  effectiveAssignments: number;
  /** Events that changed nothing under the contract's rules, by reason. */
  noEffect: Record<string, number>;
  /** Launch events of provisioners (requested, started, failed), by type. */
  launches: Record<string, number>;
}

/**
 * Told of every event folded: the reason it had no effect (nothing when it took effect) and the
 * violations it was found to commit.
 */
export type AuditObserver = (
  item: AuditItem,
  event: FleetEvent,
  noEffect: NoEffect | undefined,
  violations: readonly Violation[],
) => void;

/** The audit's fold: the fleet as the log made it, plus what broke the rules. */
export interface AuditState {
  /** Only this project's events are folded, when set. */
  readonly project: string | undefined;
  /** Tolerated difference between a dispatcher's clock and the stream's, for leases and keys. */
  readonly clockSkewMs: number;
  /** After how long the dispatchers forget an ended task, and a dead letter (forgotten.ts). */
  readonly forgetEndedAfterMs: number;
  readonly forgetDeadLettersAfterMs: number;
  /** Each pool's clock: the latest stream time of its messages (forgotten.ts). */
  readonly clocks: Map<string, number>;
  /** Last stream sequence folded, and its server time. */
  position: number;
  time: number | undefined;
  /** Whether counts and violations are being recorded (off before an audit window starts). */
  recording: boolean;
  readonly workers: Map<string, AuditWorker>;
  readonly tasks: Map<string, AuditTask>;
  readonly keys: Map<string, AuditKey>;
  readonly counts: AuditCounts;
  readonly violations: Violation[];
  /** Budgets, rates and caps in force, and what attempts were charged (audit-limits.ts). */
  readonly limits: AuditLimits;
  /** Provisioners' launches, to re-derive their rule (fold-launch.ts). */
  readonly provisioning: AuditLaunches;
  readonly observe: AuditObserver | undefined;
}

/** Options of a fresh audit state. */
export interface AuditStateOptions {
  readonly project?: string;
  /** Default 1000 ms, as the dispatcher's. */
  readonly clockSkewMs?: number;
  /** Default one hour and seven days, as the dispatcher's. */
  readonly forgetEndedAfterMs?: number;
  readonly forgetDeadLettersAfterMs?: number;
  readonly observe?: AuditObserver;
}

/** The state before any event. */
export const initialAuditState = (options: AuditStateOptions = {}): AuditState => ({
  project: options.project,
  clockSkewMs: options.clockSkewMs ?? 1000,
  forgetEndedAfterMs: options.forgetEndedAfterMs ?? 60 * 60_000,
  forgetDeadLettersAfterMs: options.forgetDeadLettersAfterMs ?? 7 * 24 * 60 * 60_000,
  clocks: new Map(),
  position: 0,
  time: undefined,
  recording: true,
  workers: new Map(),
  tasks: new Map(),
  keys: new Map(),
  counts: {
    messages: 0,
    events: 0,
    unreadable: 0,
    unreadableByCode: {},
    assignments: 0,
    effectiveAssignments: 0,
    noEffect: {},
    launches: {},
  },
  violations: [],
  limits: new AuditLimits(),
  provisioning: initialAuditLaunches(),
  observe: options.observe,
});

/** The key of a task in the audit's state: ids are unique per project and pool. */
export const auditTaskKey = (project: string, pool: string, taskId: string): string =>
  `${project}/${pool}/${taskId}`;

/** The key of a worker in the audit's state: each pool's dispatcher knows its own workers. */
export const auditWorkerKey = (pool: string, workerId: string): string => `${pool}/${workerId}`;

/** A task as the audit's limits see it. */
export const limitSubject = (task: AuditTask): LimitSubject => ({
  key: task.key,
  project: task.project,
  pool: task.pool,
  models: task.requirements.models,
  maxSpend: task.submitted.event.data.maxSpend,
});
