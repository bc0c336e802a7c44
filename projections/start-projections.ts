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
import { UnavailableError } from '../events/index.ts';

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
  /**
   * Longest wait for the first catch-up: past it the start fails with an error naming what it
   * waited for (default: no limit, for a service that must come up whatever it takes).
   */
  readonly catchUpLimitMs?: number;
  /** Told how far the catch-up is, after a second of it and every few seconds after. */
  readonly onProgress?: (progress: ProjectionsProgress) => void;
  /** Abandons the start: it rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

/** How far the projections' first catch-up is. */
export interface ProjectionsProgress {
  /** Last stream sequence folded. */
  readonly position: number;
  /** The stream's last sequence when the catch-up started. */
  readonly target: number;
  /** Sequences folded per second since the previous report. */
  readonly rate: number;
  /** What the catch-up waits for, in words. */
  readonly waitingFor: string;
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
/** A catch-up shorter than this is not worth a progress line; a longer one gets one this often. */
const PROGRESS_FIRST_MS = 1_000;
const PROGRESS_EVERY_MS = 5_000;

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
        (await ProjectionCheckpoints.open(log.nc, projectionBucket(log.stream, log.subjects.root), {
          replicas: log.replicas,
        })));
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
  const waitingFor =
    `the messages of stream ${log.stream} (${log.subjects.all()}) up to sequence ${lastSeq}, ` +
    `from ${states.position === 0 ? 'the start' : `the checkpoint at ${states.position}`}`;
  const failure = await catchUp(tail, log, waitingFor, options, () => states.position, lastSeq);
  if (failure !== undefined) {
    await tail.stop();
    throw failure instanceof Error
      ? failure
      : new Error('the catch-up was abandoned', { cause: failure });
  }

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

/**
 * Waits for the read's first catch-up, telling its progress, within the limit: undefined once
 * caught up, else why it was given up (the limit, the signal, a closed connection, a failed read).
 */
const catchUp = async (
  tail: Tail,
  log: EventLog,
  waitingFor: string,
  options: ProjectionsOptions,
  position: () => number,
  target: number,
): Promise<unknown> => {
  const timers: NodeJS.Timeout[] = [];
  let from = position();
  let since = performance.now();
  const tell = () => {
    const now = performance.now();
    const at = position();
    const rate = ((at - from) * 1000) / Math.max(1, now - since);
    from = at;
    since = now;
    options.onProgress?.({ position: at, target, rate, waitingFor });
    timers.push(setTimeout(tell, PROGRESS_EVERY_MS));
  };
  if (options.onProgress !== undefined) timers.push(setTimeout(tell, PROGRESS_FIRST_MS));
  const started = performance.now();
  let onAbort: () => void = () => undefined;
  try {
    return await new Promise<unknown>((resolve) => {
      Promise.race([tail.caughtUp, tail.done]).then(() => resolve(undefined), resolve);
      const limit = options.catchUpLimitMs;
      if (limit !== undefined)
        timers.push(
          setTimeout(() => {
            const s = ((performance.now() - started) / 1000).toFixed(1);
            resolve(
              new UnavailableError(
                `gave up after ${s} s waiting for ${waitingFor}: folded up to ${position()}`,
              ),
            );
          }, limit),
        );
      const signal = options.signal;
      onAbort = () => resolve(signal?.reason ?? new Error('aborted'));
      if (signal?.aborted === true) onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      void log.nc
        .closed()
        .then(() =>
          resolve(
            new UnavailableError(
              `the connection to NATS closed while waiting for ${waitingFor}: folded up to ${position()}`,
            ),
          ),
        );
    });
  } finally {
    for (const t of timers) clearTimeout(t);
    options.signal?.removeEventListener('abort', onAbort);
  }
};
