import type { Labels, Requirements, Runtime } from '../../events/index.ts';
import type { AuditSource } from './audit-item.ts';
import type { AuditState, AuditTaskStatus, AuditWorkerStatus } from './audit-state.ts';
import { Auditor } from './auditor.ts';
import type { LogPoint } from './log-point.ts';

/** A worker as it stood at the point. */
export interface WorkerAt {
  readonly workerId: string;
  readonly project: string;
  readonly pool: string;
  readonly status: AuditWorkerStatus;
  readonly models: readonly string[];
  readonly labels: Labels;
  readonly exclusive: readonly string[];
  readonly runtime: Runtime;
  readonly capacity: number;
  readonly keyId: string;
  /** Ids of the tasks whose live attempt it held. */
  readonly holds: readonly string[];
  readonly enrolledSeq: number;
  /** Sequence of the event that gave it its status. */
  readonly sinceSeq: number;
}

/** A task waiting for a worker at the point. */
export interface QueuedTaskAt {
  readonly taskId: string;
  readonly project: string;
  readonly pool: string;
  readonly priority: number;
  readonly requirements: Requirements;
  /** Attempts started so far. */
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly submittedSeq: number;
}

/** A task a worker held at the point. */
export interface AssignedTaskAt extends QueuedTaskAt {
  readonly workerId: string;
  readonly attempt: number;
  readonly leaseExpiresAt: number;
  readonly assignedSeq: number;
}

/** The fleet as it stood after the last message at or before a point. */
export interface FleetStateAt {
  /** Last stream sequence folded (0 when nothing was), and its server time in ISO 8601. */
  readonly position: number;
  readonly time?: string;
  readonly project?: string;
  readonly workers: readonly WorkerAt[];
  readonly queued: readonly QueuedTaskAt[];
  readonly assigned: readonly AssignedTaskAt[];
  /** Tasks that had ended by then, by how. */
  readonly ended: Readonly<Record<Exclude<AuditTaskStatus, 'queued' | 'assigned'>, number>>;
}

/** Options of {@link stateAt}. */
export interface StateAtOptions {
  /** The point: a stream sequence, or a server time (a `Date`). */
  readonly at: LogPoint;
  /** Only this project's events. */
  readonly project?: string;
}

/** The fleet an audit state describes. */
export const fleetStateOf = (s: AuditState): FleetStateAt => {
  const workers: WorkerAt[] = [];
  for (const w of s.workers.values())
    workers.push({
      workerId: w.workerId,
      project: w.project,
      pool: w.pool,
      status: w.status,
      models: w.models,
      labels: w.labels,
      exclusive: w.exclusive,
      runtime: w.runtime,
      capacity: w.capacity,
      keyId: w.keyId,
      holds: [...w.held].map((k) => s.tasks.get(k)?.taskId ?? k),
      enrolledSeq: w.enrolled.seq,
      sinceSeq: w.since.seq,
    });
  const queued: QueuedTaskAt[] = [];
  const assigned: AssignedTaskAt[] = [];
  const ended = { completed: 0, failed: 0, cancelled: 0, dead_lettered: 0, timed_out: 0 };
  for (const t of s.tasks.values()) {
    const common: QueuedTaskAt = {
      taskId: t.taskId,
      project: t.project,
      pool: t.pool,
      priority: t.priority,
      requirements: t.requirements,
      attempts: t.attempts,
      maxAttempts: t.maxAttempts,
      submittedSeq: t.submitted.seq,
    };
    if (t.status === 'queued') queued.push(common);
    else if (t.status === 'assigned' && t.live !== undefined)
      assigned.push({
        ...common,
        workerId: t.live.workerId,
        attempt: t.live.attempt,
        leaseExpiresAt: t.live.leaseExpiresAt,
        assignedSeq: t.live.assigned.seq,
      });
    else if (t.status !== 'assigned') ended[t.status] += 1;
  }
  return {
    position: s.position,
    ...(s.time === undefined ? {} : { time: new Date(s.time).toISOString() }),
    ...(s.project === undefined ? {} : { project: s.project }),
    workers: workers.sort((a, b) => a.enrolledSeq - b.enrolledSeq),
    // Queued in the order a dispatcher serves them: priority, then age.
    queued: queued.sort((a, b) => b.priority - a.priority || a.submittedSeq - b.submittedSeq),
    assigned: assigned.sort((a, b) => a.assignedSeq - b.assignedSeq),
    ended,
  };
};

/**
 * Rebuilds the fleet as it stood at a point of its history — workers (labels, status), queued
 * and assigned tasks — by folding every stored message up to it with the audit's own fold
 * (the contract's rules, not the dispatcher's code). Reading stops at the first message past
 * the point.
 */
export const stateAt = async (
  entries: AuditSource,
  options: StateAtOptions,
): Promise<FleetStateAt> => {
  const auditor = new Auditor({
    to: options.at,
    ...(options.project === undefined ? {} : { project: options.project }),
  });
  if (Symbol.asyncIterator in entries) {
    for await (const item of entries) if (!auditor.add(item)) break;
  } else {
    for (const item of entries) if (!auditor.add(item)) break;
  }
  return fleetStateOf(auditor.state);
};
