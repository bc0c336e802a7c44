import type { ProjectId, TaskId } from '../../events/index.ts';
import { boundElsewhere, launchWait } from './launches.ts';
import type { LaunchWait } from './launches.ts';
import { unmetRequirements } from './matching.ts';
import type { Unmet } from './matching.ts';
import { eligible } from './signatures.ts';
import { taskKey } from './state.ts';
import type { TaskKey } from './state.ts';
import type { Demand, DispatchState, LiveTask } from './state.ts';
import type { CapacityBlock, LimitBlock } from '../limits/index.ts';
import { taskLimitBlock } from './limits-fold.ts';
import { NOT_BEFORE_ATTEMPT } from './fold-not-before.ts';
import { poolCapacityBlock } from './pool-capacity-gate.ts';
import { queuedInOrder } from './queue.ts';

/** The task a demand's queue would start next. */
const firstQueued = (s: DispatchState, queue: Record<string, TaskKey[]>): LiveTask | undefined => {
  const id = queuedInOrder(queue)[0]?.ids[0];
  const task = id === undefined ? undefined : s.tasks.get(id);
  return task?.status === 'queued' ? task : undefined;
};

/** Why a queued task has not started. */
export type WaitReason =
  /** The task waits out a retry's backoff: it joins its queue at `until` (epoch ms). */
  | { readonly kind: 'backoff'; readonly until: number; readonly attempt: number }
  /** The task waits for its producer's `notBefore`: it joins its queue at `until` (epoch ms). */
  | { readonly kind: 'not_before'; readonly until: number }
  /** The task is not queued. */
  | { readonly kind: 'not_waiting'; readonly status: string }
  /** The project has no active worker in this pool at all. */
  | { readonly kind: 'no_workers' }
  /** No active worker meets `unmet`, though others of its requirements are met. */
  | { readonly kind: 'unmet'; readonly unmet: Unmet }
  /** Each requirement is met by some active worker, but no one worker meets them all. */
  | { readonly kind: 'no_single_worker'; readonly unmet: readonly Unmet[] }
  /** Eligible workers exist but all are at capacity. */
  | { readonly kind: 'workers_busy'; readonly eligibleWorkers: number }
  /** A limit of its project holds it back (budget, rate or concurrency cap). */
  | { readonly kind: 'over_limit'; readonly block: LimitBlock }
  /** The pool's capacity is taken, or what is free is reserved for other projects. */
  | { readonly kind: 'pool_capacity'; readonly block: CapacityBlock }
  /** No free worker serves it; a one-shot worker is being launched, or backs off (launches.ts). */
  | LaunchWait
  /** Eligible workers have room: the task starts at their next claim. */
  | {
      readonly kind: 'awaiting_claim';
      readonly eligibleWorkers: number;
      readonly freeWorkers: number;
    };

/**
 * Explains why tasks of one demand wait. Cost grows with the capability signatures of the
 * project, not with its workers: the fold keeps each signature's active and free counts.
 */
export const whyDemandWaits = (s: DispatchState, reqSig: string, demand: Demand): WaitReason => {
  let eligibleWorkers = 0;
  let freeWorkers = 0;
  const perCapability: Unmet[][] = [];
  for (const [capSig, { capability, active, free }] of Object.entries(s.capabilities)) {
    if (active === 0 || capability.project !== demand.project || capability.pool !== demand.pool)
      continue;
    if (eligible(reqSig, demand, capSig, capability)) {
      eligibleWorkers += active;
      freeWorkers += free;
    } else {
      perCapability.push(unmetRequirements(demand, capability));
    }
  }
  // Launched workers bound to another demand have room, but not for these tasks.
  const bound = boundElsewhere(s, reqSig, (w) => eligible(reqSig, demand, w.capSig, w.capability));
  eligibleWorkers -= bound.active;
  freeWorkers -= bound.free;
  if (freeWorkers > 0) return { kind: 'awaiting_claim', eligibleWorkers, freeWorkers };
  const launch = launchWait(s, reqSig);
  if (launch !== undefined) return launch;
  if (eligibleWorkers > 0) return { kind: 'workers_busy', eligibleWorkers };
  if (perCapability.length === 0) return { kind: 'no_workers' };
  // A requirement that every active worker misses is the one to fix first.
  const [first, ...rest] = perCapability;
  const key = (u: Unmet) => `${u.kind}:${u.detail}`;
  const everywhere = (first ?? []).find((u) =>
    rest.every((list) => list.some((v) => key(v) === key(u))),
  );
  if (everywhere !== undefined) return { kind: 'unmet', unmet: everywhere };
  const all = new Map(perCapability.flat().map((u) => [key(u), u]));
  return { kind: 'no_single_worker', unmet: [...all.values()] };
};

/** A limit that holds back `task` at `now`, as a reason, or nothing. */
const limitWait = (s: DispatchState, task: LiveTask | undefined, now: number) => {
  const block = task === undefined ? undefined : taskLimitBlock(s, task, now);
  return block === undefined ? undefined : ({ kind: 'over_limit', block } as const);
};

/**
 * Why a demand's tasks wait, with the pool's capacity first when it is full, or when it alone
 * keeps free workers from starting them (its free slots reserved for other projects).
 */
const demandWait = (s: DispatchState, reqSig: string, demand: Demand): WaitReason => {
  const why = whyDemandWaits(s, reqSig, demand);
  const block = poolCapacityBlock(s, demand.project);
  if (block === undefined || (block.kind === 'reserved' && why.kind !== 'awaiting_claim'))
    return why;
  return { kind: 'pool_capacity', block };
};

/**
 * Explains why one task of a project waits (or says it is not waiting). `now` (epoch ms)
 * judges rate windows and resets; the last folded stream time when not given.
 */
export const whyWaiting = (
  s: DispatchState,
  project: ProjectId,
  taskId: TaskId,
  now: number = s.limits.clock,
): WaitReason => {
  const task = s.tasks.get(taskKey(project, taskId));
  if (task === undefined) return { kind: 'not_waiting', status: 'unknown' };
  if (task.status !== 'queued') return { kind: 'not_waiting', status: task.status };
  // A task in backoff is in no queue yet: a limit judges it only once it is ready.
  const delay = s.delayed[task.key];
  if (delay !== undefined)
    return delay.attempt === NOT_BEFORE_ATTEMPT
      ? { kind: 'not_before', until: delay.readyAt }
      : { kind: 'backoff', until: delay.readyAt, attempt: delay.attempt };
  return limitWait(s, task, now) ?? demandWait(s, task.reqSig, task.demand);
};

/** One line of the waiting report: a group of tasks that wait for the same reason. */
export interface WaitingGroup {
  readonly project: string;
  readonly demand: Demand;
  readonly queued: number;
  /** Sequence of the oldest waiting submission. */
  readonly oldestSeq: number;
  readonly reason: WaitReason;
}

/** Why every queued task waits, grouped by project and demand (a limit judged on the head). */
export const waitingReport = (s: DispatchState, now: number = s.limits.clock): WaitingGroup[] => {
  const out: WaitingGroup[] = [];
  for (const [project, byDemand] of Object.entries(s.queues)) {
    for (const [reqSig, queue] of Object.entries(byDemand)) {
      const demand = s.demands[reqSig];
      if (demand === undefined) continue;
      // Each priority's tasks are in submission order (queue.ts): the oldest is a head. Not
      // a spread of every task: a million arguments overflow the stack.
      const buckets = Object.values(queue);
      const heads = buckets.map((ids) => (ids[0] === undefined ? undefined : s.tasks.get(ids[0])));
      out.push({
        project,
        demand,
        queued: buckets.reduce((n, ids) => n + ids.length, 0),
        oldestSeq: Math.min(...heads.map((t) => t?.submittedSeq ?? Infinity)),
        reason: limitWait(s, firstQueued(s, queue), now) ?? demandWait(s, reqSig, demand),
      });
    }
  }
  return out;
};
