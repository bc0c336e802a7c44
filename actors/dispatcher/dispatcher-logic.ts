import type {
  DispatchCommand,
  FleetEvent,
  LogEntry,
  PoolId,
  Subjects,
} from '../../events/index.ts';
import type { ActorLogic, Route } from '../host/actor-host.ts';
import { decodeState, encodeState } from './snapshot-format.ts';
import {
  decide,
  evolveEntryInPlace,
  fromPlainState,
  initialState,
} from '../../domain/pool/index.ts';
import type { DispatcherConfig, DispatchState, PlainState } from '../../domain/pool/index.ts';

/** Bump when DispatchState changes shape, so old snapshots are ignored. */
// 6: workers keep their public key (whose inbox alone their requests are answered on).
// 7: tasks share specs; ended tasks leave for the ended index; columns, not JSON lines.
// 8: queued tasks restored as columns, built when read; payloads as JSON texts with offsets.
// 9: launches of one-shot workers (live, backing off, the runtime chosen per task).
// 10: tasks waiting out a retry's backoff (`delayed`), tasks' own retry policies; body digests
// of ended tasks and the latest resubmissions.
// 11: a project's limits (rules, ledgers, reservations, declared spends, the limits' clock).
// 12: each project's decayed measured use, when fair share counts tokens or seconds.
// 13: deadlines of live tasks; the ended status `timed_out` (ended tasks packed anew).
// 14: the pool's clock and the ended tasks in the order they ended, to forget them after a while.
// 15: the latest progress of running attempts (`progress`); waits for a producer's notBefore.
// 16: the pool's capacity and reserves; attempts running per project.
const SNAPSHOT_VERSION = 16;

/** Where each decision goes: exclusive decisions to the project's dispatch subject. */
const route = (subjects: Subjects, e: FleetEvent): Route => {
  switch (e.type) {
    case 'claim.rejected':
      return { subject: subjects.rejected(e.data.project, e.data.pool), exclusive: false };
    case 'task.assigned':
    case 'task.requeued':
    case 'task.ready':
    case 'task.lease_extended':
    case 'task.timed_out':
    case 'task.dead_lettered':
    case 'worker.lost':
      return { subject: subjects.dispatch(e.data.project, e.data.pool), exclusive: true };
    default:
      throw new Error(`the dispatcher does not decide ${e.type}`);
  }
};

const looksLikeState = (raw: unknown, pool: PoolId): raw is PlainState => {
  if (typeof raw !== 'object' || raw === null) return false;
  const s = raw as Partial<Record<keyof PlainState, unknown>>;
  const records = [s.workers, s.tasks, s.queues, s.demands, s.capabilities, s.fair, s.rejections];
  return (
    records.every((r) => typeof r === 'object' && r !== null) &&
    typeof s.position === 'number' &&
    (s.config as { pool?: unknown } | undefined)?.pool === pool
  );
};

/** States read by the snapshot format (snapshot-format.ts): already checked whole. */
const decoded = new WeakSet<object>();

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
    decoded.has(raw as object)
      ? (raw as DispatchState)
      : looksLikeState(raw, config.pool)
        ? fromPlainState({ ...raw, config: initialState(config).config })
        : undefined,
  stateCodec: {
    encode: encodeState,
    decode: (bytes) => {
      const s = decodeState(bytes, initialState(config).config);
      if (s !== undefined) decoded.add(s);
      return s;
    },
  },
});
