import { waitingReport, waitReasonText } from '../../domain/pool/index.ts';
import { limitText, limitUsage } from '../../domain/limits/index.ts';
import type { LimitUsage } from '../../domain/limits/index.ts';

/** A limit's standing in the words of a wait on it (`budget: $12.00 of $42.00 used this month`). */
const usageText = (u: LimitUsage): string =>
  limitText({
    scope: u.model === undefined ? u.project : `${u.project}|${u.model}`,
    kind: u.kind,
    used: u.used,
    limit: u.limit,
    need: 0,
    never: false,
    at: 0,
    ...(u.period === undefined ? {} : { period: u.period }),
    ...(u.resetsAt === undefined ? {} : { freesAt: u.resetsAt }),
  }).replace(/, (next slot|frees) in .*$/, '');
import type { DispatchState, TaskStatus, WaitReason } from '../../domain/pool/index.ts';
import type { Labels, Requirements, RuntimeKind } from '../../events/index.ts';
import type { ViewContext } from '../projection.ts';
import { inScope } from '../scope.ts';
import { THROUGHPUT_WINDOW_MS } from './fold-fleet.ts';
import { launchesView } from './launch-view.ts';
import { workerProgress } from './worker-progress.ts';
import type { AttemptProgressView } from './worker-progress.ts';
import type { LaunchesView } from './launch-view.ts';
import type { FleetState } from './state.ts';

/** What a worker is doing: `idle` and `busy` are the dispatcher's `active`, split by load. */
export const WorkerActivity = {
  idle: 'idle',
  busy: 'busy',
  draining: 'draining',
  lost: 'lost',
  revoked: 'revoked',
  left: 'left',
} as const;
export type WorkerActivity = (typeof WorkerActivity)[keyof typeof WorkerActivity];

/** Workers by activity, every activity present. */
export type WorkerCounts = Record<WorkerActivity, number>;
/** Tasks by status, every status present. */
export type TaskCounts = Record<TaskStatus, number>;

/** One worker. */
export interface WorkerView {
  readonly workerId: string;
  readonly project: string;
  readonly pool: string;
  readonly runtime: RuntimeKind;
  readonly models: readonly string[];
  readonly labels: Labels;
  readonly status: WorkerActivity;
  /** Attempts it holds. */
  readonly held: number;
  readonly capacity: number;
  /** `held / capacity`. */
  readonly load: number;
  readonly enrolledSeq: number;
  /**
   * Stream time it was last seen in the log (enrollment, assignment, report). Heartbeats are
   * not stored, so this is not a liveness signal: `lost` is.
   */
  readonly lastSeenAt: number | null;
  /** The latest progress of the attempts it holds that reported some. */
  readonly progress: readonly AttemptProgressView[];
}

/** Workers of one project, pool, runtime and activity. */
export interface WorkerGroupView {
  readonly project: string;
  readonly pool: string;
  readonly runtime: RuntimeKind;
  readonly status: WorkerActivity;
  readonly workers: number;
  readonly held: number;
  readonly capacity: number;
}

/** One project's part of one pool: workers, load, queue and tasks. */
export interface PoolView {
  readonly project: string;
  readonly pool: string;
  readonly workers: WorkerCounts;
  /** Attempts held by its workers. */
  readonly held: number;
  /** Capacity of its active (idle or busy) workers. */
  readonly capacity: number;
  /** Queue depth. */
  readonly queued: number;
  /** Stream time of the oldest queued task's submission. */
  readonly oldestQueuedAt: number | null;
  readonly oldestQueuedAgeMs: number | null;
  readonly tasks: TaskCounts;
}

/** Queued tasks of one project and demand, and why they wait. */
export interface WaitingView {
  readonly project: string;
  readonly pool: string;
  readonly queued: number;
  readonly oldestSeq: number;
  readonly oldestSubmittedAt: number | null;
  readonly oldestAgeMs: number | null;
  readonly requirements: Requirements;
  readonly timeoutMs: number;
  /** The dispatcher's explanation: unmet constraint, or how many eligible workers are busy. */
  readonly reason: WaitReason;
  /** The same in the words of `fleet top` and `fleet status` (`budget: $41.90 of $42.00 …`). */
  readonly text: string;
}

/** A limit of a project in a pool as it stands (domain/limits/limit-usage.ts). */
export type LimitView = LimitUsage & { readonly pool: string; readonly text: string };

/** Accepted reports in the last minute before `now`, by stream time. */
export interface ThroughputView {
  readonly windowMs: number;
  readonly completed: number;
  readonly failed: number;
  /** Completions per second over the window. */
  readonly perSecond: number;
  readonly byPool: readonly {
    readonly project: string;
    readonly pool: string;
    readonly completed: number;
    readonly failed: number;
  }[];
}

/** The live fleet as one scope may see it. */
export interface FleetView {
  /** Projects visible in the scope that have workers or tasks. */
  readonly projects: readonly string[];
  readonly totals: {
    readonly workers: WorkerCounts;
    readonly tasks: TaskCounts;
    readonly queued: number;
    readonly held: number;
    readonly capacity: number;
  };
  /** Per project and pool. */
  readonly pools: readonly PoolView[];
  /**
   * Workers, oldest enrollment first: every idle, busy and draining one, and the latest
   * {@link MAX_GONE_WORKERS} that are gone (left, lost, revoked); the counts include all.
   */
  readonly workers: readonly WorkerView[];
  readonly workerGroups: readonly WorkerGroupView[];
  readonly waiting: readonly WaitingView[];
  /** Every limit in force, per project and pool: used (spent and reserved) against its maximum. */
  readonly limits: readonly LimitView[];
  readonly throughput: ThroughputView;
  /** One-shot workers being launched, and templates backing off after a failed launch. */
  readonly launches: LaunchesView;
}

/** Most gone workers listed (counts are always complete). */
export const MAX_GONE_WORKERS = 100;

const workerCounts = (): WorkerCounts => ({
  idle: 0,
  busy: 0,
  draining: 0,
  lost: 0,
  revoked: 0,
  left: 0,
});
const taskCounts = (): TaskCounts => ({
  queued: 0,
  assigned: 0,
  completed: 0,
  failed: 0,
  cancelled: 0,
  dead_lettered: 0,
  timed_out: 0,
});

const activityOf = (status: string, held: number): WorkerActivity =>
  status === 'active' ? (held > 0 ? 'busy' : 'idle') : (status as WorkerActivity);

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

interface MutablePool {
  project: string;
  pool: string;
  workers: WorkerCounts;
  held: number;
  capacity: number;
  queued: number;
  oldestQueuedAt: number | null;
  tasks: TaskCounts;
}

/** The oldest queued submission of a project in a pool, from the heads of its queues. */
const oldestQueued = (ps: DispatchState, project: string): number | undefined => {
  let oldest: number | undefined;
  for (const queue of Object.values(ps.queues[project] ?? {}))
    for (const ids of Object.values(queue)) {
      const head = ids[0];
      const seq = head === undefined ? undefined : ps.tasks.get(head)?.submittedSeq;
      if (seq !== undefined && (oldest === undefined || seq < oldest)) oldest = seq;
    }
  return oldest;
};

const queuedCount = (ps: DispatchState, project: string): number => {
  let n = 0;
  for (const queue of Object.values(ps.queues[project] ?? {}))
    for (const ids of Object.values(queue)) n += ids.length;
  return n;
};

/** The fleet view of `state` for `context.scope`, with ages measured at `context.now`. */
export const fleetView = (state: FleetState, context: ViewContext): FleetView => {
  const { scope, now } = context;
  const pools = new Map<string, MutablePool>();
  const poolRow = (project: string, pool: string): MutablePool => {
    const key = `${project}\u0000${pool}`;
    let row = pools.get(key);
    if (row === undefined) {
      row = {
        project,
        pool,
        workers: workerCounts(),
        held: 0,
        capacity: 0,
        queued: 0,
        oldestQueuedAt: null,
        tasks: taskCounts(),
      };
      pools.set(key, row);
    }
    return row;
  };
  const workers: WorkerView[] = [];
  const groups = new Map<string, { -readonly [K in keyof WorkerGroupView]: WorkerGroupView[K] }>();
  const waiting: WaitingView[] = [];
  const limits: LimitView[] = [];
  const atOf = (pool: string, seq: number): number | null =>
    state.submissions[pool]?.[String(seq)]?.at ?? null;

  for (const [pool, ps] of Object.entries(state.pools)) {
    for (const w of Object.values(ps.workers)) {
      const { project, runtime, models, labels } = w.capability;
      if (!inScope(scope, project)) continue;
      const status = activityOf(w.status, w.held.length);
      const row = poolRow(project, pool);
      row.workers[status] += 1;
      row.held += w.held.length;
      if (w.status === 'active') row.capacity += w.capacity;
      workers.push({
        workerId: w.id,
        project,
        pool,
        runtime: runtime.kind,
        models: [...models],
        labels: { ...labels },
        status,
        held: w.held.length,
        capacity: w.capacity,
        load: w.held.length / w.capacity,
        enrolledSeq: w.enrolledSeq,
        lastSeenAt: state.lastSeen[pool]?.[w.id] ?? null,
        progress: workerProgress(ps, w),
      });
      const gkey = [project, pool, runtime.kind, status].join('\u0000');
      const g = groups.get(gkey) ?? {
        project,
        pool,
        runtime: runtime.kind,
        status,
        workers: 0,
        held: 0,
        capacity: 0,
      };
      g.workers += 1;
      g.held += w.held.length;
      g.capacity += w.capacity;
      groups.set(gkey, g);
    }
    for (const [project, counts] of Object.entries(state.tasks[pool] ?? {})) {
      if (!inScope(scope, project)) continue;
      const row = poolRow(project, pool);
      for (const [status, n] of Object.entries(counts)) row.tasks[status as TaskStatus] += n;
    }
    for (const project of Object.keys(ps.queues)) {
      if (!inScope(scope, project)) continue;
      const row = poolRow(project, pool);
      row.queued = queuedCount(ps, project);
      const seq = oldestQueued(ps, project);
      row.oldestQueuedAt = seq === undefined ? null : atOf(pool, seq);
    }
    for (const u of limitUsage(ps.limits, now))
      if (inScope(scope, u.project)) limits.push({ ...u, pool, text: usageText(u) });
    for (const group of waitingReport(ps, now)) {
      if (!inScope(scope, group.project)) continue;
      const at = atOf(pool, group.oldestSeq);
      waiting.push({
        project: group.project,
        pool,
        queued: group.queued,
        oldestSeq: group.oldestSeq,
        oldestSubmittedAt: at,
        oldestAgeMs: at === null ? null : Math.max(0, now - at),
        requirements: structuredClone(group.demand.requirements),
        timeoutMs: group.demand.timeoutMs,
        reason: structuredClone(group.reason),
        text: waitReasonText(group.reason),
      });
    }
  }

  const poolViews: PoolView[] = [...pools.values()]
    .sort((a, b) => byText(a.project, b.project) || byText(a.pool, b.pool))
    .map((p) => ({
      project: p.project,
      pool: p.pool,
      workers: p.workers,
      held: p.held,
      capacity: p.capacity,
      queued: p.queued,
      oldestQueuedAt: p.oldestQueuedAt,
      oldestQueuedAgeMs: p.oldestQueuedAt === null ? null : Math.max(0, now - p.oldestQueuedAt),
      tasks: p.tasks,
    }));
  const totals = {
    workers: workerCounts(),
    tasks: taskCounts(),
    queued: 0,
    held: 0,
    capacity: 0,
  };
  for (const p of poolViews) {
    for (const k of Object.keys(totals.workers) as WorkerActivity[])
      totals.workers[k] += p.workers[k];
    for (const k of Object.keys(totals.tasks) as TaskStatus[]) totals.tasks[k] += p.tasks[k];
    totals.queued += p.queued;
    totals.held += p.held;
    totals.capacity += p.capacity;
  }

  workers.sort((a, b) => a.enrolledSeq - b.enrolledSeq || byText(a.workerId, b.workerId));
  const gone = workers.filter(
    (w) => w.status === 'left' || w.status === 'lost' || w.status === 'revoked',
  );
  const dropped = new Set(gone.slice(0, Math.max(0, gone.length - MAX_GONE_WORKERS)));

  return {
    projects: [...new Set(poolViews.map((p) => p.project))].sort(byText),
    totals,
    pools: poolViews,
    workers: workers.filter((w) => !dropped.has(w)),
    workerGroups: [...groups.values()].sort(
      (a, b) =>
        byText(a.project, b.project) ||
        byText(a.pool, b.pool) ||
        byText(a.runtime, b.runtime) ||
        byText(a.status, b.status),
    ),
    limits,
    waiting: waiting.sort(
      (a, b) => byText(a.project, b.project) || byText(a.pool, b.pool) || a.oldestSeq - b.oldestSeq,
    ),
    throughput: throughputView(state, context),
    launches: launchesView(state, scope, now),
  };
};

const throughputView = (state: FleetState, { scope, now }: ViewContext): ThroughputView => {
  const from = Math.floor((now - THROUGHPUT_WINDOW_MS) / 1000);
  const to = Math.floor(now / 1000);
  const byPool: { project: string; pool: string; completed: number; failed: number }[] = [];
  for (const [pool, byProject] of Object.entries(state.recent))
    for (const [project, seconds] of Object.entries(byProject)) {
      if (!inScope(scope, project)) continue;
      let completed = 0;
      let failed = 0;
      for (const [second, c] of Object.entries(seconds)) {
        const s = Number(second);
        if (s <= from || s > to) continue;
        completed += c.completed;
        failed += c.failed;
      }
      if (completed + failed > 0) byPool.push({ project, pool, completed, failed });
    }
  byPool.sort((a, b) => byText(a.project, b.project) || byText(a.pool, b.pool));
  const completed = byPool.reduce((n, r) => n + r.completed, 0);
  return {
    windowMs: THROUGHPUT_WINDOW_MS,
    completed,
    failed: byPool.reduce((n, r) => n + r.failed, 0),
    perSecond: completed / (THROUGHPUT_WINDOW_MS / 1000),
    byPool,
  };
};
