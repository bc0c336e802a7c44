/**
 * The two pools matching is timed on: the same signatures and queued tasks, 100 and 10,000
 * workers, and the random claims and lookups precomputed for each.
 */
import { initialState, evolveEntryInPlace } from '../../domain/pool/index.ts';
import type { DispatchState } from '../../domain/pool/index.ts';
import type { DispatchCommand, FleetEvent, ProjectId, TaskId } from '../../events/index.ts';
import { BASE_TIME, LARGE, POOL, QUEUED_TASKS, SAMPLES, SMALL } from './knobs.ts';
import { int, pick } from './random.ts';
import type { Workload } from './workload.ts';
import { fmt } from './table.ts';

export interface Pool {
  readonly workers: number;
  readonly state: DispatchState;
}

/** Precomputed random inputs, so the timed loop does nothing but the call under test. */
export interface PoolInputs {
  readonly commands: readonly DispatchCommand[];
  readonly tasks: readonly { readonly project: ProjectId; readonly id: TaskId }[];
}

/** Folds a pool in place (no immer): workers first, then the queued tasks. */
const buildPool = (w: Workload, submissions: readonly FleetEvent[], workers: number) => {
  const s = initialState({ pool: POOL });
  let seq = 0;
  const fold = (e: FleetEvent) => {
    seq += 1;
    evolveEntryInPlace(s, { seq, at: BASE_TIME + seq, events: [e] });
  };
  for (let i = 0; i < workers; i++) fold(w.enroll(i, BASE_TIME));
  for (const e of submissions) fold(e);
  const refused = Object.values(s.rejections.byReason).reduce((a, b) => a + b, 0);
  if (refused > 0) throw new Error(`pool build refused ${refused} events`);
  return s;
};

/** The small and the large pool, over one shared set of queued tasks. */
export const matchingPools = (w: Workload): Pool[] => {
  const submissions = Array.from({ length: QUEUED_TASKS }, (_, i) => w.submit(i, BASE_TIME));
  return [
    { workers: SMALL, state: buildPool(w, submissions, SMALL) },
    { workers: LARGE, state: buildPool(w, submissions, LARGE) },
  ];
};

/** One claim of a random worker and one random queued task per sample, for each pool. */
export const poolInputs = (pools: readonly Pool[]): PoolInputs[] =>
  pools.map(({ state }) => {
    const workers = Object.values(state.workers);
    const queued = [...state.tasks.values()].filter((t) => t.status === 'queued');
    const commands: DispatchCommand[] = Array.from({ length: SAMPLES }, () => {
      const w = pick(workers);
      return {
        type: 'serve_claims',
        data: {
          claims: [{ workerId: w.id, project: w.capability.project, pool: POOL, max: 1 + int(4) }],
          budget: 1000,
        },
        meta: { now: BASE_TIME + 60_000 },
      };
    });
    const tasks = Array.from({ length: SAMPLES }, () => {
      const t = pick(queued);
      return { project: t.demand.project, id: t.id };
    });
    return { commands, tasks };
  });

export const describePool = (s: DispatchState): string => {
  const queued = Object.values(s.queues)
    .flatMap((q) => Object.values(q))
    .flatMap((q) => Object.values(q))
    .reduce((a, ids) => a + ids.length, 0);
  return `${fmt(Object.keys(s.workers).length)} workers, ${Object.keys(s.capabilities).length} capability sigs, ${fmt(queued)} queued tasks, ${Object.keys(s.demands).length} demand sigs, ${Object.keys(s.queues).length} projects`;
};
