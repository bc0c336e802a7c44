import type {
  CheckLiveness,
  Claim,
  ClaimRejectReason,
  DispatchCommand,
  EventOf,
  FleetEvent,
  RequeueReason,
  ServeClaims,
} from '../../events/index.ts';
import { beatIndex, leaseExtension } from './decide-lease.ts';
import { deadlineRunOut, timedOutTasks } from './decide-deadlines.ts';
import { readyTasks } from './decide-ready.ts';
import type { Pending } from '../limits/index.ts';
import { limitGate } from './limits-fold.ts';
import { mayServe } from './launches.ts';
import { queuedInOrder } from './queue.ts';
import { roundShare } from './round-share.ts';
import { eligible } from './signatures.ts';
import type { DispatchState, TaskKey, WorkerState } from './state.ts';

/** Why the boundary refuses a claim, or nothing when it may be served. */
const whyClaimRefused = (
  s: DispatchState,
  c: Claim,
): { reason: ClaimRejectReason; detail: string } | undefined => {
  const w = s.workers[c.workerId];
  if (w === undefined)
    return { reason: 'unknown_worker', detail: `no worker ${c.workerId} enrolled` };
  if (w.capability.project !== c.project)
    return {
      reason: 'cross_project',
      detail: `worker is of project ${w.capability.project}; the claim named ${c.project}`,
    };
  if (w.capability.pool !== c.pool || c.pool !== s.config.pool)
    return {
      reason: 'wrong_pool',
      detail: `worker is in pool ${w.capability.pool}; the claim named ${c.pool}`,
    };
  switch (w.status) {
    case 'active':
      return undefined;
    case 'draining':
      return { reason: 'worker_draining', detail: 'a draining worker takes no new work' };
    case 'left':
      return { reason: 'worker_left', detail: 'the worker left; enroll again' };
    case 'lost':
      return { reason: 'worker_lost', detail: 'the worker was declared lost; enroll again' };
    case 'revoked':
      return { reason: 'worker_revoked', detail: 'the worker is revoked' };
    default: {
      const never: never = w.status;
      return never;
    }
  }
};

interface Claimer {
  readonly worker: WorkerState;
  slots: number;
}

/** Queued tasks of one demand in one project, with a cursor over what this round took. */
interface Candidate {
  readonly project: string;
  readonly buckets: { priority: number; ids: readonly TaskKey[] }[];
  bucket: number;
  offset: number;
  readonly claimers: Claimer[];
  /** A limit holds its head back: nothing more of it this round. */
  blocked: boolean;
}

const head = (c: Candidate): { priority: number; id: TaskKey } | undefined => {
  while (c.bucket < c.buckets.length) {
    const b = c.buckets[c.bucket];
    const id = b?.ids[c.offset];
    if (b !== undefined && id !== undefined) return { priority: b.priority, id };
    c.bucket += 1;
    c.offset = 0;
  }
  return undefined;
};

const serveClaims = (s: DispatchState, cmd: ServeClaims): FleetEvent[] => {
  const now = cmd.meta.now;
  const at = { at: now };
  const out: FleetEvent[] = [];
  // Boundary: refuse what must be refused; merge repeated claims of one worker.
  const claimers = new Map<string, Claimer>();
  for (const c of cmd.data.claims) {
    const why = whyClaimRefused(s, c);
    if (why !== undefined) {
      out.push({
        type: 'claim.rejected',
        data: { workerId: c.workerId, project: c.project, pool: c.pool, ...why },
        meta: at,
      });
      continue;
    }
    const worker = s.workers[c.workerId];
    if (worker === undefined) continue;
    const prior = claimers.get(worker.id);
    const free = worker.capacity - worker.held.length;
    if (prior === undefined) claimers.set(worker.id, { worker, slots: Math.min(c.max, free) });
    else prior.slots = Math.min(prior.slots + c.max, free);
  }
  // Candidates: each queued demand of a claiming project with at least one eligible claimer.
  const byProject = new Map<string, Claimer[]>();
  for (const cl of claimers.values()) {
    if (cl.slots <= 0) continue;
    const list = byProject.get(cl.worker.capability.project) ?? [];
    list.push(cl);
    byProject.set(cl.worker.capability.project, list);
  }
  const candidates: Candidate[] = [];
  for (const [project, list] of byProject) {
    for (const [reqSig, queue] of Object.entries(s.queues[project] ?? {})) {
      const demand = s.demands[reqSig];
      if (demand === undefined) continue;
      const fit = list.filter(
        (cl) =>
          eligible(reqSig, demand, cl.worker.capSig, cl.worker.capability) &&
          mayServe(s, cl.worker, reqSig),
      );
      if (fit.length > 0)
        candidates.push({
          project,
          buckets: queuedInOrder(queue),
          bucket: 0,
          offset: 0,
          claimers: fit,
          blocked: false,
        });
    }
  }
  // Round: priority, then fair share across projects, then age — until budget or work runs out.
  const share = roundShare(s, now);
  let budget = cmd.data.budget;
  const pending = new Map<string, Pending>();
  const started = new Map<string, number>();
  while (budget > 0) {
    let best: { c: Candidate; id: TaskKey; priority: number; tag: number; seq: number } | undefined;
    for (const c of candidates) {
      if (c.blocked || !c.claimers.some((cl) => cl.slots > 0)) continue;
      const h = head(c);
      if (h === undefined) continue;
      const task = s.tasks.get(h.id);
      if (task === undefined) continue;
      const tag = share.tag(c.project);
      const better =
        best === undefined ||
        h.priority > best.priority ||
        (h.priority === best.priority &&
          (tag < best.tag || (tag === best.tag && task.submittedSeq < best.seq)));
      if (better) best = { c, id: h.id, priority: h.priority, tag, seq: task.submittedSeq };
    }
    if (best === undefined) break;
    const task = s.tasks.get(best.id);
    // The claimer with the most room takes it, spreading a round's work.
    const taker = best.c.claimers.reduce<Claimer | undefined>(
      (a, cl) => (cl.slots > 0 && (a === undefined || cl.slots > a.slots) ? cl : a),
      undefined,
    );
    best.c.offset += 1;
    // Queues hold queued tasks only (the fold keeps them so): anything else is skipped.
    if (task?.status !== 'queued' || taker === undefined) continue;
    // A task whose deadline ran out is not started: the next liveness check times it out.
    if (deadlineRunOut(s, task.key, now) !== undefined) continue;
    // Limits: a task over one waits (its demand sits out the round) or, if it asked, fails.
    const gate = limitGate(s, task, now, pending, started);
    if (gate === 'wait') best.c.blocked = true;
    if (gate !== 'go') {
      if (gate !== 'wait') out.push(gate);
      continue;
    }
    taker.slots -= 1;
    budget -= 1;
    share.take(best.c.project);
    const assignment: EventOf<'task.assigned'> = {
      type: 'task.assigned',
      data: {
        taskId: task.id,
        project: task.demand.project,
        pool: task.demand.pool,
        workerId: taker.worker.id,
        attempt: task.attempts + 1,
        leaseExpiresAt: now + task.demand.timeoutMs,
      },
      meta: at,
    };
    out.push(assignment);
  }
  return out;
};

const checkLiveness = (s: DispatchState, cmd: CheckLiveness): FleetEvent[] => {
  const now = cmd.meta.now;
  const at = { at: now };
  const { heartbeatMs, missedBeats } = s.config;
  const out: FleetEvent[] = [];
  const gone = new Map<string, 'worker_lost' | 'worker_revoked' | 'worker_left'>();
  for (const w of Object.values(s.workers)) {
    const ref = { workerId: w.id, project: w.capability.project, pool: w.capability.pool };
    if (w.status === 'active' || w.status === 'draining') {
      const last = Math.max(cmd.data.lastSeen[w.id] ?? cmd.data.graceFrom, cmd.data.graceFrom);
      if (now - last > heartbeatMs * missedBeats) {
        out.push({ type: 'worker.lost', data: { ...ref, lastSeenAt: last }, meta: at });
        gone.set(w.id, 'worker_lost');
      }
    } else if (w.held.length > 0) {
      gone.set(
        w.id,
        w.status === 'lost'
          ? 'worker_lost'
          : w.status === 'revoked'
            ? 'worker_revoked'
            : 'worker_left',
      );
    }
  }
  const beats = beatIndex(cmd.data.beats);
  for (const w of Object.values(s.workers)) {
    for (const id of w.held) {
      const task = s.tasks.get(id);
      if (task?.status !== 'assigned') continue;
      const reason: RequeueReason | undefined =
        gone.get(w.id) ?? (now >= task.leaseExpiresAt ? 'lease_expired' : undefined);
      if (reason === undefined) {
        const extension = leaseExtension(w, task, now, beats);
        if (extension !== undefined) out.push(extension);
        continue;
      }
      const data = {
        taskId: task.id,
        project: task.demand.project,
        pool: task.demand.pool,
        attempt: task.attempt,
        reason,
      };
      out.push(
        task.attempt < task.maxAttempts
          ? { type: 'task.requeued', data, meta: at }
          : { type: 'task.dead_lettered', data, meta: at },
      );
    }
  }
  out.push(...timedOutTasks(s, now, out));
  out.push(...readyTasks(s, now));
  return out;
};

/**
 * The dispatcher's decisions for a pool: given the folded state and a command, the events to
 * append. Pure: time comes in the command's `meta.now`, and nothing is mutated.
 */
export const decide = (state: DispatchState, command: DispatchCommand): FleetEvent[] => {
  switch (command.type) {
    case 'serve_claims':
      return serveClaims(state, command);
    case 'check_liveness':
      return checkLiveness(state, command);
    default: {
      const never: never = command;
      return never;
    }
  }
};
