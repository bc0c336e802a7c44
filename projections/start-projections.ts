import type { z } from 'zod';
import type { EventLog, Tail, TailItem } from '../log/index.ts';
import { ProjectionCheckpoints, projectionBucket, serialise } from './checkpoints.ts';
import { DEFAULT_PRICE_TABLE } from './costs/price-table.ts';
import type { PriceTable } from './costs/price-table.ts';
import {
  foldProjections,
  initialProjectionStates,
  PROJECTIONS,
  viewProjections,
} from './projection-states.ts';
import type { ProjectionStates } from './projection-states.ts';
import type { ProjectionsSnapshot } from './projections-snapshot.ts';
import type { Scope } from './scope.ts';

/** Options of {@link startProjections}. */
export interface ProjectionsOptions {
  readonly log: EventLog;
  /**
   * Where checkpoints live. Default: the deployment's bucket (`fleet_projections` for the
   * default stream and root), opened on the log's connection. `false`: none, always fold from
   * the start.
   */
  readonly checkpoints?: ProjectionCheckpoints | false;
  /**
   * Save checkpoints after this many folded messages (default 10,000; at most one save every
   * 10 s while folding, since a large state takes a while to serialise), and on stop.
   */
  readonly checkpointEvery?: number;
  /** Prices of tokens reported without a cost (default {@link DEFAULT_PRICE_TABLE}). */
  readonly priceTable?: PriceTable;
  /** The clock of snapshots (default `Date.now`). */
  readonly now?: () => number;
  /** Told of errors the projections survived (a failed checkpoint save, say). */
  readonly onError?: (error: unknown) => void;
}

/** Running projections of the whole stream. */
export interface Projections {
  /** Every projection's view now, filtered to `scope`. */
  snapshot(scope: Scope): ProjectionsSnapshot;
  /**
   * Calls `listener` after new messages are folded — coalesced, at most once every 100 ms.
   * Returns a function that removes it.
   */
  onChange(listener: () => void): () => void;
  /** Last stream sequence folded. */
  position(): number;
  /** Stops following the stream and saves a checkpoint. */
  stop(): Promise<void>;
}

/** Least time between two change notifications. */
const CHANGE_INTERVAL_MS = 100;
/** Least time between two checkpoints taken while folding. */
const CHECKPOINT_INTERVAL_MS = 10_000;

type Key = keyof typeof PROJECTIONS;
const KEYS = Object.keys(PROJECTIONS) as Key[];

/** The stream's identity: a stream deleted and created again under its name is another log. */
const originOf = async (log: EventLog): Promise<string> => {
  const info = await log.jsm.streams.info(log.stream);
  return `${log.stream}@${info.created}`;
};

/** The states from the checkpoints, when every projection has one at the same position. */
const restore = async (
  store: ProjectionCheckpoints,
  origin: string,
  lastSeq: number,
): Promise<ProjectionStates | undefined> => {
  const load = <S>(p: { name: string; version: number; schema: z.ZodType<S> }) =>
    store.load(p.name, p.version, p.schema);
  const [fleet, costs, latency, rejections] = await Promise.all([
    load(PROJECTIONS.fleet),
    load(PROJECTIONS.costs),
    load(PROJECTIONS.latency),
    load(PROJECTIONS.rejections),
  ]);
  if (fleet === undefined || costs === undefined || latency === undefined) return undefined;
  if (rejections === undefined) return undefined;
  const position = fleet.position;
  // The fleet state judges for the others: they must all stand at the same message.
  const whole = [fleet, costs, latency, rejections].every(
    (c) => c.position === position && c.origin === origin,
  );
  if (!whole || position > lastSeq) return undefined;
  return {
    position,
    fleet: fleet.state,
    costs: costs.state,
    latency: latency.state,
    rejections: rejections.state,
  };
};

/**
 * Starts the read projections — fleet state, costs, latency, rejections — over the whole
 * stream: resumes from their checkpoints when all are there and agree (else folds from the
 * start), folds every stored message in order as it arrives, checkpoints every
 * `checkpointEvery` messages and on stop. Resolves once it has folded everything stored when
 * it started.
 */
export const startProjections = async (options: ProjectionsOptions): Promise<Projections> => {
  const { log } = options;
  const now = options.now ?? Date.now;
  const onError = options.onError ?? (() => undefined);
  const priceTable = options.priceTable ?? DEFAULT_PRICE_TABLE;
  const every = Math.max(1, options.checkpointEvery ?? 10_000);
  const store =
    options.checkpoints === false
      ? undefined
      : (options.checkpoints ??
        (await ProjectionCheckpoints.open(
          log.nc,
          projectionBucket(log.stream, log.subjects.root),
        )));
  const origin = await originOf(log);
  const lastSeq = await log.lastSeq();
  const states =
    (store === undefined
      ? undefined
      : await restore(store, origin, lastSeq).catch(() => undefined)) ?? initialProjectionStates();

  let savedAt = states.position;
  let savedTime = Date.now();
  let saving: Promise<void> = Promise.resolve();
  let saveRunning = false;
  // After a recipe failed the state may be half-changed: it is not saved, a restart refolds.
  let poisoned = false;
  const save = (): Promise<void> => {
    if (store === undefined || poisoned || states.position === savedAt) return saving;
    // Serialised now, at one position: the fold goes on while the bytes are written.
    const position = states.position;
    const items = KEYS.map((k) => ({
      key: PROJECTIONS[k].name,
      parts: serialise({ version: PROJECTIONS[k].version, position, origin, state: states[k] }),
    }));
    savedAt = position;
    savedTime = Date.now();
    saveRunning = true;
    saving = saving
      .then(async () => {
        for (const { key, parts } of items) await store.save(key, parts);
      })
      .catch(onError)
      .finally(() => {
        saveRunning = false;
      });
    return saving;
  };

  const listeners = new Set<() => void>();
  let timer: NodeJS.Timeout | undefined;
  let lastNotified = 0;
  let stopped = false;
  const notify = () => {
    timer = undefined;
    lastNotified = Date.now();
    for (const listener of [...listeners]) {
      try {
        listener();
      } catch (error) {
        onError(error);
      }
    }
  };
  const changed = () => {
    if (timer !== undefined || stopped || listeners.size === 0) return;
    const wait = Math.max(0, lastNotified + CHANGE_INTERVAL_MS - Date.now());
    timer = setTimeout(notify, wait);
  };

  const onItem = (item: TailItem) => {
    try {
      if (!foldProjections(states, item)) return;
    } catch (error) {
      // A recipe bug must not stop the read: the message is skipped and reported.
      states.position = Math.max(states.position, item.entry.seq);
      poisoned = true;
      onError(error);
    }
    changed();
    if (
      states.position - savedAt >= every &&
      !saveRunning &&
      Date.now() - savedTime >= CHECKPOINT_INTERVAL_MS
    )
      void save();
  };

  const tail: Tail = await log.tail(log.subjects.all(), states.position + 1, onItem);
  tail.done.catch(onError);
  await Promise.race([tail.caughtUp, tail.done]);

  return {
    snapshot: (scope) => viewProjections(states, { scope, now: now(), priceTable }),
    onChange: (listener) => {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    position: () => states.position,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      listeners.clear();
      await tail.stop();
      await save();
    },
  };
};
