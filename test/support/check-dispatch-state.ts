import { demandSignature, taskKey, unmetRequirements } from '../../domain/pool/index.ts';
import type { Capability, Demand, DispatchState } from '../../domain/pool/index.ts';

/*
 * The invariants every folded pool state must satisfy, whatever the log held (used by the
 * property tests and the fuzz test):
 * 1. no assignment crosses projects (or pools);
 * 2. every assignment meets every hard requirement, and no worker holds more than its capacity;
 * 3. no task has two live attempts; `held` lists are exactly the assignments, without duplicates;
 * 4. every task is queued, assigned or ended, and the queues hold exactly the queued tasks,
 *    each once, under its project, demand signature and priority, oldest first;
 * 5. attempts never exceed maxAttempts; an assigned task's attempt is its attempts count;
 * plus the bounds a fold must keep whatever it is fed (plain records, finite fair-share tags,
 * bounded recent lists) and the per-capability counts.
 */

const STATUSES = new Set([
  'queued',
  'assigned',
  'completed',
  'failed',
  'cancelled',
  'dead_lettered',
]);
const WORKER_STATUSES = new Set(['active', 'draining', 'left', 'lost', 'revoked']);
// Own fields: what tasks share (demand, priority, ...) is the spec's, and the id is the key's.
const ENDED_FIELDS = new Set(['key', 'spec', 'submittedSeq', 'attempts', 'status', 'endedSeq']);

// Demands and capabilities are shared by reference across states: derive from each once.
const signatures = new WeakMap<Demand, string>();
const signatureOf = (demand: Demand): string => {
  let sig = signatures.get(demand);
  if (sig === undefined) signatures.set(demand, (sig = demandSignature(demand)));
  return sig;
};
const unmetCache = new WeakMap<Demand, WeakMap<Capability, string>>();
const unmetOf = (demand: Demand, cap: Capability): string => {
  let byCap = unmetCache.get(demand);
  if (byCap === undefined) unmetCache.set(demand, (byCap = new WeakMap()));
  let unmet = byCap.get(cap);
  if (unmet === undefined) byCap.set(cap, (unmet = JSON.stringify(unmetRequirements(demand, cap))));
  return unmet;
};

const fail = (message: string): never => {
  throw new Error(`dispatch state invalid: ${message}`);
};

/** Every record of the state is an own-keyed plain object: no key resolves through a prototype. */
const plain = (what: string, o: unknown): void => {
  if (typeof o !== 'object' || o === null || Object.getPrototypeOf(o) !== Object.prototype)
    fail(`${what} is not a plain object`);
};

/**
 * Throws when a pool's folded state breaks an invariant, whatever the log held:
 * 1. no assignment crosses projects (or pools);
 * 2. every assignment meets every hard requirement; no worker holds more than its capacity;
 * 3. no task has two live attempts; `held` lists are exactly the assignments, without duplicates;
 * 4. every task is queued, assigned or ended, and the queues hold exactly the queued tasks, each
 *    once, under its project, demand signature and priority, oldest first;
 * 5. attempts never exceed maxAttempts; an assigned task's attempt is its attempts count;
 * and the fold's bounded memories (recent rejections, refused tasks) stay within their limits.
 */
export const checkDispatchState = (s: DispatchState): void => {
  for (const [what, o] of Object.entries({
    workers: s.workers,
    queues: s.queues,
    demands: s.demands,
    capabilities: s.capabilities,
    tags: s.fair.tags,
    byReason: s.rejections.byReason,
    claimsRefused: s.claimsRefused,
    refusedTasks: s.refusedTasks,
  }))
    plain(what, o);
  if (!(s.tasks instanceof Map)) fail('tasks is not a Map');
  if (!Number.isFinite(s.fair.clock)) fail(`fair clock is ${s.fair.clock}`);
  for (const [p, tag] of Object.entries(s.fair.tags))
    if (!Number.isFinite(tag)) fail(`fair tag of ${p} is ${tag}`);
  if (s.rejections.recent.length > s.config.recentRejections)
    fail(`${s.rejections.recent.length} recent rejections kept`);
  if (Object.keys(s.refusedTasks).length > s.config.refusedTasksKept)
    fail(`${Object.keys(s.refusedTasks).length} refused tasks kept`);
  if (s.endedOrder.length > s.config.endedTasksKept)
    fail(`${s.endedOrder.length} ended tasks kept, over ${s.config.endedTasksKept}`);
  for (const k of s.endedOrder)
    if (s.tasks.get(k)?.status === 'queued' || s.tasks.get(k)?.status === 'assigned')
      fail(`ended task ${k} is live`);
  for (const k of Object.keys(s.ended))
    if (s.tasks.get(k) !== undefined) fail(`task ${k} left for the ended index but has a record`);
  for (const [reason, n] of Object.entries(s.rejections.byReason))
    if (!Number.isSafeInteger(n) || n <= 0) fail(`rejection count ${reason} is ${n}`);

  for (const [sig, cap] of Object.entries(s.capabilities)) {
    const ws = cap.workers.map((id) => s.workers[id]).filter((w) => w?.status === 'active');
    const free = ws.filter((w) => w !== undefined && w.held.length < w.capacity).length;
    if (cap.active !== ws.length || cap.free !== free)
      fail(`capability ${sig} counts ${cap.active}/${cap.free}, workers say ${ws.length}/${free}`);
  }
  const holders = new Map<string, string>();
  for (const [id, w] of Object.entries(s.workers)) {
    if (w.id !== id) fail(`worker keyed ${id} has id ${w.id}`);
    if (!WORKER_STATUSES.has(w.status)) fail(`worker ${id} has status ${w.status}`);
    if (w.capability.pool !== s.config.pool) fail(`worker ${id} is in pool ${w.capability.pool}`);
    if (s.capabilities[w.capSig]?.workers.includes(w.id) !== true)
      fail(`worker ${id} is not listed under its capability`);
    if (new Set(w.held).size !== w.held.length)
      fail(`[3] worker ${id} holds a task twice: ${w.held.join(',')}`);
    if (w.held.length > w.capacity)
      fail(`[2] worker ${id} holds ${w.held.length} > capacity ${w.capacity}`);
    for (const t of w.held) {
      const other = holders.get(t);
      if (other !== undefined) fail(`[3] task ${t} is held by both ${other} and ${id}`);
      holders.set(t, id);
    }
  }
  for (const [id, t] of [...s.tasks.entries()]) {
    if (t.key !== id || id !== taskKey(t.demand.project, t.id))
      fail(`task keyed ${id} is ${t.demand.project}/${t.id} with key ${t.key}`);
    if (t.demand.pool !== s.config.pool) fail(`task ${id} is in pool ${t.demand.pool}`);
    if (!STATUSES.has(t.status)) fail(`[4] task ${id} has status ${t.status}`);
    const holder = holders.get(id);
    if (t.status !== 'queued' && t.status !== 'assigned') {
      // An ended task keeps only what identifies it (and nothing else may be held there).
      const extra = Object.keys(t).filter((k) => !ENDED_FIELDS.has(k));
      if (extra.length > 0) fail(`task ${id} ended but keeps ${extra.join(', ')}`);
      if (t.attempts < 0) fail(`[5] task ${id} has ${t.attempts} attempts`);
      if (holder !== undefined) fail(`[3] task ${id} is ${t.status} but held by ${holder}`);
      continue;
    }
    if (t.attempts < 0 || t.attempts > t.maxAttempts)
      fail(`[5] task ${id} has ${t.attempts} attempts of at most ${t.maxAttempts}`);
    if (t.reqSig !== signatureOf(t.demand)) fail(`task ${id} has a stale demand signature`);
    if (s.demands[t.reqSig] === undefined) fail(`task ${id}: demand ${t.reqSig} is not known`);
    if (t.status === 'assigned') {
      const w = s.workers[t.workerId];
      if (w === undefined) return fail(`[3] task ${id} is assigned to unknown ${t.workerId}`);
      if (w.capability.project !== t.demand.project || w.capability.pool !== t.demand.pool)
        fail(
          `[1] task ${id} of ${t.demand.project}/${t.demand.pool} is held by ${w.id} of ` +
            `${w.capability.project}/${w.capability.pool}`,
        );
      const unmet = unmetOf(t.demand, w.capability);
      if (unmet !== '[]') fail(`[2] task ${id} is held by ${w.id}, which misses ${unmet}`);
      if (holder !== t.workerId)
        fail(`[3] task ${id} assigned to ${t.workerId} is held by ${holder ?? 'no one'}`);
      if (t.attempt !== t.attempts || t.attempt < 1 || t.attempt > t.maxAttempts)
        fail(`[5] task ${id} runs attempt ${t.attempt}, attempts ${t.attempts}/${t.maxAttempts}`);
    } else if (holder !== undefined) {
      fail(`[3] task ${id} is ${t.status} but held by ${holder}`);
    }
  }
  for (const [id] of holders)
    if (s.tasks.get(id) === undefined) fail(`[3] a worker holds unknown task ${id}`);
  const seen = new Set<string>();
  for (const [project, byDemand] of Object.entries(s.queues)) {
    plain(`queues of ${project}`, byDemand);
    for (const [reqSig, queue] of Object.entries(byDemand)) {
      if (Object.keys(queue).length === 0) fail(`[4] empty demand queue left in ${project}`);
      for (const [priority, ids] of Object.entries(queue)) {
        if (ids.length === 0) fail(`[4] empty priority bucket ${priority} left in ${project}`);
        let last = -Infinity;
        for (const id of ids) {
          const t = s.tasks.get(id);
          if (t === undefined) return fail(`[4] unknown task ${id} is queued`);
          if (t.status !== 'queued') return fail(`[4] task ${id} is ${t.status} but in a queue`);
          if (t.demand.project !== project) fail(`[4] task ${id} is queued under ${project}`);
          if (t.reqSig !== reqSig) fail(`[4] task ${id} is queued under another demand`);
          if (String(t.priority) !== priority)
            fail(`[4] task ${id} of priority ${t.priority} is in bucket ${priority}`);
          if (seen.has(id)) fail(`[4] task ${id} is queued twice`);
          if (t.submittedSeq < last) fail(`[4] bucket ${priority} is out of submission order`);
          last = t.submittedSeq;
          seen.add(id);
        }
      }
    }
  }
  // A queued task is in exactly one of: a queue, or the backoff wait (`delayed`).
  for (const t of [...s.tasks.values()]) {
    const delayed = s.delayed[t.key] !== undefined;
    if (t.status === 'queued' && !seen.has(t.key) && !delayed)
      fail(`[4] queued task ${t.key} is in no queue and waits for no backoff`);
    if (delayed && seen.has(t.key)) fail(`[4] task ${t.key} is queued and waits for a backoff`);
  }
  for (const key of Object.keys(s.delayed))
    if (s.tasks.get(key)?.status !== 'queued')
      fail(`[4] task ${key} waits a backoff but is not queued`);
};
