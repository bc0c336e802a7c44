import type { WorkerId } from '../../events/index.ts';
import type { Demand, DispatchState, TaskKey, TaskState } from './state.ts';
import { AssignedTask, EndedTask, QueuedTask, specKey } from './task-records.ts';
import type { TaskSpec } from './task-records.ts';

/** A task as plain JSON (`toJSON` of a record): every field spelled out. */
export interface PlainTask {
  readonly status: TaskState['status'];
  readonly key: string;
  /** An ended task's may hold only project and pool. */
  readonly demand: Pick<Demand, 'project' | 'pool'> & Partial<Demand>;
  readonly reqSig?: string | undefined;
  readonly priority?: number | undefined;
  readonly payload?: unknown;
  readonly maxAttempts?: number | undefined;
  readonly submittedSeq: number;
  readonly attempts: number;
  readonly workerId?: string | undefined;
  readonly attempt?: number | undefined;
  readonly leaseExpiresAt?: number | undefined;
  readonly assignedSeq?: number | undefined;
  readonly endedSeq?: number | undefined;
}

/** A state as plain JSON: its tasks plain, what only records need possibly missing. */
export type PlainState = Omit<
  DispatchState,
  | 'tasks'
  | 'specs'
  | 'endedOrder'
  | 'ended'
  | 'delayed'
  | 'retryPolicies'
  | 'deadlines'
  | 'digests'
  | 'resubmissions'
  | 'progress'
> & {
  tasks: Record<string, PlainTask>;
  endedOrder?: string[] | undefined;
  ended?: Record<string, number> | undefined;
  /** Absent from states older than retry backoff. */
  delayed?: DispatchState['delayed'] | undefined;
  retryPolicies?: DispatchState['retryPolicies'] | undefined;
  /** Absent from states older than deadlines. */
  deadlines?: DispatchState['deadlines'] | undefined;
  digests?: DispatchState['digests'] | undefined;
  resubmissions?: DispatchState['resubmissions'] | undefined;
  /** Absent from states older than progress reports. */
  progress?: DispatchState['progress'] | undefined;
};

/** The state as plain JSON would hold it: its tasks as a record (a Map writes as `{}`). */
export const toPlainState = (s: DispatchState): PlainState => ({
  ...s,
  tasks: Object.fromEntries(s.tasks),
});

/**
 * The state a plain one (a JSON checkpoint) stands for: tasks as records sharing one spec per
 * kind and the state's demand objects. Plain input is trusted to be validated already.
 */
export const fromPlainState = (plain: PlainState): DispatchState => {
  const s: DispatchState = {
    ...plain,
    tasks: new Map(),
    specs: {},
    endedOrder: [],
    ended: plain.ended ?? {},
    delayed: plain.delayed ?? {},
    retryPolicies: plain.retryPolicies ?? {},
    deadlines: plain.deadlines ?? {},
    digests: plain.digests ?? {},
    resubmissions: plain.resubmissions ?? {},
    progress: plain.progress ?? {},
  };
  const spec = (t: PlainTask): TaskSpec => {
    const reqSig = t.reqSig ?? '';
    const priority = t.priority ?? 0;
    const maxAttempts = t.maxAttempts ?? 0;
    const key = specKey(reqSig, priority, maxAttempts);
    const demand = s.demands[reqSig] ?? {
      requirements: { labels: [] },
      timeoutMs: 0,
      ...t.demand,
    };
    // An ended task of an older form has no signature: one spec per project and pool.
    const k = reqSig === '' ? `${key}:${t.demand.project}` : key;
    return (s.specs[k] ??= { demand, reqSig, priority, maxAttempts });
  };
  for (const [k, t] of Object.entries(plain.tasks)) {
    const key = t.key as TaskKey;
    const at = t.submittedSeq;
    const record: TaskState =
      t.status === 'queued'
        ? new QueuedTask(key, spec(t), at, t.attempts, t.payload ?? null)
        : t.status === 'assigned'
          ? new AssignedTask(key, spec(t), at, t.payload ?? null, {
              workerId: (t.workerId ?? '') as WorkerId,
              attempt: t.attempt ?? t.attempts,
              leaseExpiresAt: t.leaseExpiresAt ?? 0,
              assignedSeq: t.assignedSeq ?? 0,
            })
          : new EndedTask(key, spec(t), at, t.attempts, {
              status: t.status,
              endedSeq: t.endedSeq ?? 0,
            });
    s.tasks.set(k, record);
  }
  // Queues hold the tasks' own key strings, not copies.
  for (const byDemand of Object.values(s.queues))
    for (const queue of Object.values(byDemand))
      for (const bucket of Object.values(queue))
        bucket.forEach((k, i) => {
          bucket[i] = s.tasks.get(k)?.key ?? k;
        });
  const endedOrder =
    plain.endedOrder ??
    [...s.tasks.values()]
      .filter((t): t is EndedTask => t instanceof EndedTask)
      .sort((a, b) => a.endedSeq - b.endedSeq)
      .map((t) => t.key);
  s.endedOrder = endedOrder.filter((k) => s.tasks.get(k) instanceof EndedTask) as TaskKey[];
  return s;
};
