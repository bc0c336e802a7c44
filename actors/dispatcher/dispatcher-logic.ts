import type {
  DispatchCommand,
  FleetEvent,
  LogEntry,
  PoolId,
  Subjects,
} from '../../events/index.ts';
import type { ActorLogic, Route } from '../host/actor-host.ts';
import { decide, evolveEntryInPlace, initialState } from '../../domain/pool/index.ts';
import type { Demand, DispatcherConfig, DispatchState } from '../../domain/pool/index.ts';

/** Bump when DispatchState changes shape, so old snapshots are ignored. */
// 6: workers keep their public key (whose inbox alone their requests are answered on).
const SNAPSHOT_VERSION = 6;

/** Where each decision goes: exclusive decisions to the project's dispatch subject. */
const route = (subjects: Subjects, e: FleetEvent): Route => {
  switch (e.type) {
    case 'claim.rejected':
      return { subject: subjects.rejected(e.data.project, e.data.pool), exclusive: false };
    case 'task.assigned':
    case 'task.requeued':
    case 'task.dead_lettered':
    case 'worker.lost':
      return { subject: subjects.dispatch(e.data.project, e.data.pool), exclusive: true };
    default:
      throw new Error(`the dispatcher does not decide ${e.type}`);
  }
};

const looksLikeState = (raw: unknown, pool: PoolId): raw is DispatchState => {
  if (typeof raw !== 'object' || raw === null) return false;
  const s = raw as Partial<Record<keyof DispatchState, unknown>>;
  const records = [s.workers, s.tasks, s.queues, s.demands, s.capabilities, s.fair, s.rejections];
  return (
    records.every((r) => typeof r === 'object' && r !== null) &&
    typeof s.position === 'number' &&
    (s.config as { pool?: unknown } | undefined)?.pool === pool
  );
};

/**
 * A restored state sharing what the fold shares: each live task's demand and signature are the
 * one object and string of its signature, and a queue holds its tasks' own key strings. A
 * snapshot holds a copy of each per task; restored as they are, they take far more memory.
 */
const shareRestored = (s: DispatchState): DispatchState => {
  const sigs = new Map(Object.keys(s.demands).map((k) => [k, k]));
  for (const t of Object.values(s.tasks)) {
    if (!('reqSig' in t)) continue;
    const shared = s.demands[t.reqSig];
    // Fresh from the snapshot's JSON and nobody else's yet: set in place.
    const live = t as { demand: Demand; reqSig: string };
    if (shared !== undefined) live.demand = shared;
    live.reqSig = sigs.get(t.reqSig) ?? t.reqSig;
  }
  for (const byDemand of Object.values(s.queues))
    for (const queue of Object.values(byDemand))
      for (const bucket of Object.values(queue))
        bucket.forEach((k, i) => {
          bucket[i] = s.tasks[k]?.key ?? k;
        });
  return s;
};

/** The dispatcher of one pool as an actor: the pure core plus where its decisions go. */
export const dispatcherLogic = (
  subjects: Subjects,
  config: Partial<DispatcherConfig> & { pool: PoolId },
): ActorLogic<DispatchState, DispatchCommand> => ({
  name: `dispatcher.${config.pool}`,
  filter: subjects.pool(config.pool),
  snapshotVersion: SNAPSHOT_VERSION,
  initialState: () => initialState(config),
  evolve: (state: DispatchState, entry: LogEntry) => {
    evolveEntryInPlace(state, entry);
  },
  decide,
  route: (e) => route(subjects, e),
  // Settings come from the running configuration, not from the snapshot.
  restore: (raw) =>
    looksLikeState(raw, config.pool)
      ? shareRestored({ ...raw, config: initialState(config).config })
      : undefined,
});
