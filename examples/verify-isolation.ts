import { evolveEntries, initialState } from '../domain/pool/index.ts';
import type { DispatchState, TaskStatus } from '../domain/pool/index.ts';
import type { TailItem } from '../log/index.ts';
import { isReadable, subjectMatches, subjects } from '../events/index.ts';
import type { EventOf, PoolId } from '../events/index.ts';

/** One tenant's share of the fleet, as the stream tells it. */
export interface TenantSummary {
  readonly project: string;
  /** Tasks submitted (and accepted by the fold). */
  readonly tasks: number;
  /** Tasks whose effective outcome is `task.completed`. */
  readonly completed: number;
  /** Workers enrolled with the tenant's keys. */
  readonly workers: number;
  /** Tokens in + out of the effective completions. */
  readonly tokens: number;
  readonly costUsd: number;
}

/** A task that did not end completed. */
export interface UnfinishedTask {
  readonly project: string;
  readonly pool: string;
  readonly taskId: string;
  readonly status: TaskStatus;
}

/** What the stream proves about isolation. */
export interface IsolationReport {
  /** Stored messages read. */
  readonly messages: number;
  /** Per tenant, by project name. */
  readonly tenants: readonly TenantSummary[];
  /** Stored `task.assigned` events naming a worker of another project (or no known worker). */
  readonly crossTenantAssignments: number;
  /** Effective completions by a worker of another project. */
  readonly foreignCompletions: number;
  readonly unfinished: readonly UnfinishedTask[];
  /** Attempts abandoned and requeued (lease expired, worker lost or left) as stored. */
  readonly requeued: number;
  /** Claims the dispatchers refused, by reason, as the folds count them. */
  readonly refusedClaims: Readonly<Record<string, number>>;
  /** The stored refusals, with their stream sequence. */
  readonly claimRejections: readonly { seq: number; event: EventOf<'claim.rejected'> }[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const eventsOf = (items: readonly TailItem[]) =>
  items.flatMap(({ entry }) =>
    isReadable(entry) ? entry.events.map((event) => ({ seq: entry.seq, event })) : [],
  );

/**
 * Audits a fleet's history: folds `items` (the whole stream, in order) with the dispatcher's
 * own core once per pool, exactly as a dispatcher replica would, and checks tenant isolation
 * against the enrollments in the log: which assignments crossed projects, which tasks a
 * worker of another tenant completed, which tasks did not complete, and what each tenant used.
 */
export const verifyIsolation = (
  items: readonly TailItem[],
  pools: readonly PoolId[],
  root: string,
): IsolationReport => {
  const s = subjects(root);
  const events = eventsOf(items);
  const projectOf = new Map<string, string>();
  for (const { event } of events)
    if (event.type === 'worker.enrolled') projectOf.set(event.data.workerId, event.data.project);

  const tenants = new Map<string, Mutable<TenantSummary>>();
  const tenant = (project: string) => {
    let t = tenants.get(project);
    if (t === undefined) {
      t = { project, tasks: 0, completed: 0, workers: 0, tokens: 0, costUsd: 0 };
      tenants.set(project, t);
    }
    return t;
  };
  for (const project of projectOf.values()) tenant(project).workers += 1;

  let crossTenantAssignments = 0;
  let requeued = 0;
  const claimRejections: { seq: number; event: EventOf<'claim.rejected'> }[] = [];
  for (const { seq, event } of events) {
    if (event.type === 'task.assigned' && projectOf.get(event.data.workerId) !== event.data.project)
      crossTenantAssignments += 1;
    if (event.type === 'claim.rejected') claimRejections.push({ seq, event });
    if (event.type === 'task.requeued') requeued += 1;
  }

  // The effective completion of a task is the `task.completed` at the sequence that ended it.
  const completionAt = new Map<string, EventOf<'task.completed'>>();
  for (const { seq, event } of events)
    if (event.type === 'task.completed')
      completionAt.set(`${seq}/${event.data.project}/${event.data.taskId}`, event);

  let foreignCompletions = 0;
  const unfinished: UnfinishedTask[] = [];
  const refusedClaims: Record<string, number> = {};
  for (const pool of pools) {
    const filter = s.pool(pool);
    const state: DispatchState = evolveEntries(
      initialState({ pool }),
      items.filter((i) => subjectMatches(filter, i.subject)).map((i) => i.entry),
    );
    for (const [reason, n] of Object.entries(state.claimsRefused))
      refusedClaims[reason] = (refusedClaims[reason] ?? 0) + n;
    for (const task of [...state.tasks.values()]) {
      const { project } = task.demand;
      const t = tenant(project);
      t.tasks += 1;
      if (task.status !== 'completed') {
        unfinished.push({ project, pool, taskId: task.id, status: task.status });
        continue;
      }
      t.completed += 1;
      const done = completionAt.get(`${task.endedSeq}/${project}/${task.id}`);
      if (done === undefined || projectOf.get(done.data.workerId) !== project) {
        foreignCompletions += 1;
        continue;
      }
      t.tokens += done.data.usage.tokensIn + done.data.usage.tokensOut;
      t.costUsd += done.data.usage.costUsd ?? 0;
    }
  }

  return {
    messages: items.length,
    tenants: [...tenants.values()].sort((a, b) => a.project.localeCompare(b.project)),
    crossTenantAssignments,
    foreignCompletions,
    unfinished,
    requeued,
    refusedClaims,
    claimRejections,
  };
};
