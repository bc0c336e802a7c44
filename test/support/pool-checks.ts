/** What must hold of every state and decision in a pool history, and tallies across runs. */
import { isDeepStrictEqual } from 'node:util';
import type { DispatchCommand, FleetEvent } from '../../events/index.ts';
import { taskKey } from '../../domain/pool/index.ts';
import type { DispatchState, TaskState } from '../../domain/pool/index.ts';
import { checkDispatchState } from './check-dispatch-state.ts';
import { POOL } from './pool-world.ts';

// ---------------------------------------------------------------------------------------------
// Invariants of every folded state.
// ---------------------------------------------------------------------------------------------

export const fail = (message: string): never => {
  throw new Error(message);
};

/** The invariants of every folded state (test/support/check-dispatch-state.ts). */
export const checkInvariants = checkDispatchState;

/**
 * Submission order within a batch: the tasks of one message share its sequence, and those not
 * yet started must stay in the order the batch listed them (ids here are `t<n>` per project,
 * numbered in submission order), as a producer submitting [a, b, c] expects a first.
 */
export const checkBatchOrder = (s: DispatchState): void => {
  const ordinal = (t: TaskState) => Number(t.id.slice(1));
  for (const byDemand of Object.values(s.queues))
    for (const queue of Object.values(byDemand))
      for (const [priority, keys] of Object.entries(queue)) {
        let prev: TaskState | undefined;
        for (const key of keys) {
          const t = s.tasks.get(key);
          if (t === undefined || t.attempts > 0) continue;
          if (prev?.submittedSeq === t.submittedSeq && ordinal(prev) > ordinal(t))
            fail(`[4] batch order lost in bucket ${priority}: ${t.key} queued after ${prev.key}`);
          prev = t;
        }
      }
};

// ---------------------------------------------------------------------------------------------
// Tallies across runs, reported once at the end.
// ---------------------------------------------------------------------------------------------

export const tally = {
  histories: 0,
  steps: 0,
  /** Fold rejections by reason, summed over the final state of every history. */
  rejectionsByReason: {} as Record<string, number>,
  /** Claims refused at the boundary by reason, summed likewise. */
  claimsRefused: {} as Record<string, number>,
  /** Reasons each adversarial kind drew. */
  adversarial: {} as Record<string, Record<string, number>>,
  /** Accepted events by type (external and dispatcher). */
  accepted: {} as Record<string, number>,
  /** Cross-project claims of workers with no accepted claim in their round: [8] bites. */
  crossProjectOnlyClaims: 0,
};
export const bump = (r: Record<string, number>, k: string, n = 1) => {
  r[k] = (r[k] ?? 0) + n;
};

/**
 * [8] and the boundary: a claim naming another project than its worker's is refused with
 * `cross_project`; every claim is refused exactly as the rules say; only workers with an
 * accepted claim get work, and only work of their own project and pool.
 */
export const checkServed = (
  s: DispatchState,
  cmd: Extract<DispatchCommand, { type: 'serve_claims' }>,
  out: readonly FleetEvent[],
): void => {
  const expected: string[] = [];
  const served = new Set<string>();
  for (const c of cmd.data.claims) {
    const w = s.workers[c.workerId];
    const reason =
      w === undefined
        ? 'unknown_worker'
        : w.capability.project !== c.project
          ? 'cross_project'
          : w.capability.pool !== c.pool || c.pool !== POOL
            ? 'wrong_pool'
            : w.status === 'active'
              ? undefined
              : `worker_${w.status}`;
    if (reason === undefined) served.add(c.workerId);
    else expected.push(`${c.workerId} ${c.project} ${c.pool} ${reason}`);
  }
  const actual = out.flatMap((e) =>
    e.type === 'claim.rejected'
      ? [`${e.data.workerId} ${e.data.project} ${e.data.pool} ${e.data.reason}`]
      : [],
  );
  if (!isDeepStrictEqual([...actual].sort(), [...expected].sort()))
    fail(`[8] claims refused as ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  for (const c of cmd.data.claims) {
    const w = s.workers[c.workerId];
    if (w !== undefined && w.capability.project !== c.project && !served.has(w.id))
      tally.crossProjectOnlyClaims += 1;
  }
  for (const e of out) {
    if (e.type !== 'task.assigned') continue;
    if (!served.has(e.data.workerId))
      fail(`[8] ${e.data.workerId} got ${e.data.taskId} without an accepted claim`);
    const w = s.workers[e.data.workerId];
    const t = s.tasks.get(taskKey(e.data.project, e.data.taskId));
    if (w?.capability.project !== e.data.project || t?.demand.project !== e.data.project)
      fail(`[1] decision assigns ${e.data.taskId} across projects to ${e.data.workerId}`);
  }
};
