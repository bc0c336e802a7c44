import { enableMapSet, produce } from 'immer';
import { isRetentionEvent } from '../../events/index.ts';
import type { EventOf, FleetEvent, Usage } from '../../events/index.ts';
import { charge, weightOf } from './fair-share.ts';
import { measureUse } from './fair-use.ts';
import { foldReady, queueTask } from './fold-ready.ts';
import { foldProgress, forgetProgress } from './fold-progress.ts';
import { foldRedriven } from './fold-redriven.ts';
import { foldLeaseExtended } from './fold-lease-extended.ts';
import { foldTimedOut } from './fold-timed-out.ts';
import { trackDeadlines } from './task-deadlines.ts';
import { changeWorker, count } from './capability-counts.ts';
import { foldSubmitted } from './fold-submitted.ts';
import { bodyDigest, liveBody } from './submission-body.ts';
import { dequeue } from './queue.ts';
import { neverRetried, retryDelay } from './retry-policy.ts';
import type { Delay } from './retry-policy.ts';
import { capabilitySignature, eligible } from './signatures.ts';
import { taskKey } from './state.ts';
import { retireEnded, taskAt } from './ended-index.ts';
import { forgetEnded } from './forget-ended.ts';
import { AssignedTask, EndedTask, QueuedTask } from './task-records.ts';
import type { EndedStatus } from './task-records.ts';
import type { LogPosition } from './log-position.ts';
import { recordRefused } from './record-refused.ts';
import { advance, settle } from '../limits/index.ts';
import { admit, foldLimit, overLimit } from './limits-fold.ts';
import { endLaunchOfWorker, foldLaunch } from './launches.ts';
import { applied, refuse } from './verdict.ts';
import type { Verdict } from './verdict.ts';
import type { Capability, DispatchState, LiveTask, TaskState, WorkerState } from './state.ts';

type Refused = Verdict & { kind: 'refused' };

// The state keeps its tasks in a Map, which immer drafts only with its MapSet plugin.
enableMapSet();

/** Ends an attempt's hold on its worker, its limits (`settle`) and measures its use (fair-use.ts). */
const releaseHold = (s: DispatchState, task: AssignedTask, at: number, usage?: Usage) => {
  measureUse(s, task.demand.project, s.limits.holds[task.key]?.at, usage, at);
  settle(s.limits, task.key, usage);
  const w = s.workers[task.workerId];
  if (w === undefined) return;
  const i = w.held.indexOf(task.key);
  if (i >= 0) changeWorker(s, w, () => w.held.splice(i, 1));
};

/** Finds the task an event names, refusing unknown tasks and tasks of another project. */
const taskFor = (
  s: DispatchState,
  d: { taskId: string; project: string; pool: string },
): TaskState | Refused => {
  // Keyed by project: another project's task of the same id is simply not found.
  const task = taskAt(s, taskKey(d.project, d.taskId));
  if (task === undefined)
    return refuse('unknown_task', `no task ${d.taskId} in project ${d.project}`);
  // An event naming another pool is about that pool's task of the same id, not this one.
  if (task.demand.pool !== d.pool)
    return refuse('wrong_pool', `task ${d.taskId} is in pool ${task.demand.pool}`);
  return task;
};

const workerFor = (
  s: DispatchState,
  d: { workerId: string; project: string },
): WorkerState | Refused => {
  const w = s.workers[d.workerId];
  if (w === undefined) return refuse('unknown_worker', `no worker ${d.workerId}`);
  if (w.capability.project !== d.project)
    return refuse(
      'cross_project',
      `worker ${d.workerId} is of project ${w.capability.project}, not ${d.project}`,
    );
  return w;
};

const isRefused = (x: object): x is Refused => 'kind' in x;

const assigned = (s: DispatchState, e: EventOf<'task.assigned'>, entry: LogPosition): Verdict => {
  const seq = entry.seq;
  const d = e.data;
  const task = taskFor(s, d);
  if (isRefused(task)) return task;
  const w = workerFor(s, d);
  if (isRefused(w)) return w;
  if (w.capability.pool !== d.pool || task.demand.pool !== d.pool)
    return refuse('wrong_pool', `worker or task is not in pool ${d.pool}`);
  if (task.status !== 'queued') return refuse('task_not_queued', `task is ${task.status}`);
  if (d.attempt !== task.attempts + 1)
    return refuse('stale_attempt', `next attempt is ${task.attempts + 1}, not ${d.attempt}`);
  if (w.status !== 'active') return refuse('worker_not_active', `worker is ${w.status}`);
  if (w.held.length >= w.capacity) return refuse('no_capacity', `worker holds ${w.held.length}`);
  if (!eligible(task.reqSig, task.demand, w.capSig, w.capability))
    return refuse('constraint_unmet', `worker ${w.id} does not meet task ${task.id}`);
  const admitted = admit(s, task, d.attempt, entry.at);
  if (admitted.kind === 'refused') return admitted;
  // The backoff is the dispatcher's scheduling, which gives no work in backoff; the fold takes
  // an assignment all the same (logs from before backoff reassign at once), ending the wait.
  if (s.delayed[task.key] === undefined) dequeue(s, task);
  else delete s.delayed[task.key];
  s.tasks.set(
    task.key,
    new AssignedTask(task.key, task.spec, task.submittedSeq, task.payload, {
      workerId: w.id,
      attempt: d.attempt,
      leaseExpiresAt: d.leaseExpiresAt,
      assignedSeq: seq,
    }),
  );
  changeWorker(s, w, () => w.held.push(task.key));
  charge(s.fair, task.demand.project, weightOf(s.config.weights, task.demand.project));
  return applied;
};

/** The current attempt an event refers to, or why it is not current. */
const currentAttempt = (
  s: DispatchState,
  d: { taskId: string; project: string; pool: string; attempt: number },
): (TaskState & { status: 'assigned' }) | Refused => {
  const task = taskFor(s, d);
  if (isRefused(task)) return task;
  if (task.status !== 'assigned') return refuse('task_not_assigned', `task is ${task.status}`);
  if (task.attempt !== d.attempt)
    return refuse('stale_attempt', `current attempt is ${task.attempt}, not ${d.attempt}`);
  return task;
};

const abandoned = (
  s: DispatchState,
  e: EventOf<'task.requeued'> | EventOf<'task.dead_lettered'>,
  entry: LogPosition,
): Verdict => {
  const d = e.data;
  const task = currentAttempt(s, d);
  if (isRefused(task)) return task;
  const holder = s.workers[task.workerId];
  const founded =
    d.reason === 'lease_expired'
      ? entry.at + s.config.clockSkewMs >= task.leaseExpiresAt
      : holder?.status ===
        (d.reason === 'worker_lost' ? 'lost' : d.reason === 'worker_revoked' ? 'revoked' : 'left');
  if (!founded) return refuse('reason_unfounded', `${d.reason} does not hold at seq ${entry.seq}`);
  if (e.type === 'task.dead_lettered' && task.attempt < task.maxAttempts)
    return refuse('attempts_remain', `attempt ${task.attempt} of ${task.maxAttempts}`);
  if (e.type === 'task.requeued' && task.attempt >= task.maxAttempts)
    return refuse('attempts_exhausted', `attempt ${task.attempt} is the last allowed`);
  releaseHold(s, task, entry.at);
  end(s, task, e.type === 'task.requeued' ? 'queued' : 'dead_lettered', entry.seq);
  return applied;
};

/** Moves an assigned task back to the queue (after its backoff, with a `delay`) or to an end. */
const end = (
  s: DispatchState,
  task: LiveTask,
  to: 'queued' | EndedStatus,
  seq: number,
  delay?: Delay,
) => {
  forgetProgress(s, task.key);
  if (to === 'queued') {
    const queued = new QueuedTask(
      task.key,
      task.spec,
      task.submittedSeq,
      task.attempts,
      task.payload,
    );
    s.tasks.set(task.key, queued);
    if (delay === undefined) queueTask(s, queued);
    else s.delayed[task.key] = delay;
    return;
  }
  s.digests[task.key] = bodyDigest(liveBody(s, task)); // before its declared spend goes
  delete s.limits.declared[task.key];
  delete s.delayed[task.key];
  delete s.retryPolicies[task.key];
  // An ended task keeps only what identifies it, and leaves after a while (ended-index.ts).
  s.tasks.set(
    task.key,
    new EndedTask(task.key, task.spec, task.submittedSeq, task.attempts, {
      status: to,
      endedSeq: seq,
    }),
  );
  retireEnded(s, task.key);
};

const reported = (
  s: DispatchState,
  e: EventOf<'task.completed'> | EventOf<'task.failed'>,
  entry: LogPosition,
): Verdict => {
  const seq = entry.seq;
  const d = e.data;
  const w = workerFor(s, d);
  if (isRefused(w)) return w;
  const task = currentAttempt(s, d);
  if (isRefused(task)) return task;
  if (task.workerId !== w.id)
    return refuse('not_holder', `attempt ${task.attempt} is held by ${task.workerId}`);
  if (w.status !== 'active' && w.status !== 'draining')
    return refuse('worker_not_active', `worker is ${w.status}`);
  releaseHold(s, task, entry.at, e.data.usage);
  if (e.type === 'task.completed') end(s, task, 'completed', seq);
  else if (!e.data.retryable || neverRetried(s.retryPolicies[task.key], e.data.error.code))
    end(s, task, 'failed', seq);
  else if (task.attempt >= task.maxAttempts) end(s, task, 'dead_lettered', seq);
  else {
    // A failure waits out its backoff (or the worker's retryAfterMs) before the next attempt.
    const delay = retryDelay({
      key: task.key,
      attempt: task.attempt,
      at: entry.at,
      pool: s.config.retry,
      policy: s.retryPolicies[task.key],
      retryAfterMs: e.data.retryAfterMs,
    });
    end(s, task, 'queued', seq, delay);
  }
  return applied;
};

const cancelled = (s: DispatchState, e: EventOf<'task.cancelled'>, p: LogPosition): Verdict => {
  const { seq, at } = p;
  const task = taskFor(s, e.data);
  if (isRefused(task)) return task;
  if (task.status === 'queued') {
    if (s.delayed[task.key] === undefined) dequeue(s, task);
  } else if (task.status === 'assigned') releaseHold(s, task, at);
  else return refuse('task_ended', `task is ${task.status}`);
  end(s, task, 'cancelled', seq);
  return applied;
};

const enrolled = (s: DispatchState, e: EventOf<'worker.enrolled'>, seq: number): Verdict => {
  const d = e.data;
  if (d.pool !== s.config.pool) return refuse('wrong_pool', `worker is for pool ${d.pool}`);
  if (s.workers[d.workerId] !== undefined)
    return refuse('duplicate', `worker ${d.workerId} exists`);
  const capability: Capability = {
    project: d.project,
    pool: d.pool,
    models: d.models,
    labels: d.labels,
    exclusive: d.exclusive,
    runtime: d.runtime,
  };
  const capSig = capabilitySignature(capability);
  (s.capabilities[capSig] ??= { capability, workers: [], active: 0, free: 0 }).workers.push(
    d.workerId,
  );
  const worker: WorkerState = {
    id: d.workerId,
    keyId: d.keyId,
    capability,
    capSig,
    capacity: d.capacity,
    status: 'active',
    held: [],
    enrolledSeq: seq,
    ...(d.publicKey === undefined ? {} : { publicKey: d.publicKey }),
  };
  s.workers[d.workerId] = worker;
  count(s, worker, 1);
  return applied;
};

/** Which statuses each worker lifecycle event may leave from. */
const TRANSITIONS = {
  'worker.draining': { to: 'draining', from: ['active'] },
  'worker.left': { to: 'left', from: ['active', 'draining'] },
  'worker.lost': { to: 'lost', from: ['active', 'draining'] },
  'worker.revoked': { to: 'revoked', from: ['active', 'draining', 'left', 'lost'] },
} as const;

const lifecycle = (
  s: DispatchState,
  e:
    | EventOf<'worker.draining'>
    | EventOf<'worker.left'>
    | EventOf<'worker.lost'>
    | EventOf<'worker.revoked'>,
): Verdict => {
  const w = workerFor(s, e.data);
  if (isRefused(w)) return w;
  if (w.capability.pool !== e.data.pool)
    return refuse('wrong_pool', `worker is in ${w.capability.pool}`);
  const t = TRANSITIONS[e.type];
  if (!(t.from as readonly string[]).includes(w.status))
    return refuse('invalid_transition', `worker is ${w.status}, cannot become ${t.to}`);
  changeWorker(s, w, () => {
    w.status = t.to;
  });
  return applied;
};

const apply = (s: DispatchState, e: FleetEvent, entry: LogPosition): Verdict => {
  switch (e.type) {
    case 'task.submitted':
      return foldSubmitted(s, e, entry);
    case 'task.cancelled':
      return cancelled(s, e, entry);
    case 'task.assigned':
      return assigned(s, e, entry);
    case 'task.requeued':
    case 'task.dead_lettered':
      return abandoned(s, e, entry);
    case 'task.completed':
    case 'task.failed':
      return reported(s, e, entry);
    case 'task.ready':
      return foldReady(s, e, entry);
    case 'task.progress':
      return foldProgress(s, e, entry);
    case 'task.lease_extended':
      return foldLeaseExtended(s, e, entry.at);
    case 'task.timed_out':
      return foldTimedOut(s, e, entry, (t, to, delay) => {
        if (t.status === 'assigned') releaseHold(s, t, entry.at);
        else if (s.delayed[t.key] === undefined) dequeue(s, t);
        end(s, t, to, entry.seq, delay);
      });
    case 'task.redriven':
      return foldRedriven(s, e, entry.seq);
    case 'worker.enrolled':
      return enrolled(s, e, entry.seq);
    case 'worker.draining':
    case 'worker.left':
    case 'worker.lost':
    case 'worker.revoked':
      return lifecycle(s, e);
    case 'claim.rejected':
      s.claimsRefused[e.data.reason] = (s.claimsRefused[e.data.reason] ?? 0) + 1;
      return applied;
    case 'limit.set':
    case 'limit.cleared':
    case 'limit.refused':
      return foldLimit(s, e);
    case 'task.over_limit': {
      const task = taskFor(s, e.data);
      const finish = (t: LiveTask) => end(s, t, 'failed', entry.seq);
      return isRefused(task) ? task : overLimit(s, task, entry.at, finish);
    }
    case 'key.issued':
    case 'key.used':
    case 'key.revoked':
    case 'retention.point':
    case 'retention.limits':
      // Keys are the registrar's, retention points the audit's: nothing for a pool's fold.
      return applied;
    case 'launch.requested':
    case 'launch.started':
    case 'launch.failed':
      return foldLaunch(s, e, entry);
    default: {
      const never: never = e;
      return never;
    }
  }
};

/**
 * The pool's rule for one event at its place in the log, applied to a draft the caller owns
 * (the hot path: an actor's own state, or an immer draft). An event invalid at its position
 * (forged, stale, duplicate, cross-project) changes nothing but the count of refusals.
 * Replays are guarded per message, not here: see `evolveEntryInPlace`.
 */
export const evolveInPlace = (
  draft: DispatchState,
  event: FleetEvent,
  position: LogPosition,
): Verdict => {
  draft.position = position.seq;
  forgetEnded(draft, position.at); // before the event: it may name a task forgotten by now
  const verdict = apply(draft, event, position);
  if (verdict.kind === 'refused') recordRefused(draft, position.seq, event.type, verdict);
  else {
    endLaunchOfWorker(draft, event);
    trackDeadlines(draft, event, position);
    // The limits' clock: the stream time of the latest event of the pool that took effect.
    if (!isRetentionEvent(event) && !event.type.startsWith('key.'))
      advance(draft.limits, position.at);
  }
  return verdict;
};

/** The same rule, pure: the state after `event`, sharing what did not change, and the verdict. */
export const evolve = (
  state: DispatchState,
  event: FleetEvent,
  position: LogPosition,
): { state: DispatchState; verdict: Verdict } => {
  let verdict: Verdict = applied;
  const next = produce(state, (draft) => {
    verdict = evolveInPlace(draft, event, position);
  });
  return { state: next, verdict };
};
