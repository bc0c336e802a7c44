import type { FleetEvent, LogEntry } from '../../events/index.ts';
import type { Appended } from '../../log/index.ts';
import type { CatchUpProgress } from './catch-up-progress.ts';
import type { Snapshots } from './snapshots.ts';

/** Where an actor appends one decided event, and whether the append is exclusive. */
export interface Route {
  readonly subject: string;
  /** Exclusive appends carry `Nats-Expected-Last-Subject-Sequence`: competing writers lose. */
  readonly exclusive: boolean;
}

/** What a host needs to know of an actor: its fold, its decisions and where they go. */
export interface ActorLogic<S, C> {
  /** Unique per actor instance kind and shard, e.g. `dispatcher.gpu`; keys its snapshot. */
  readonly name: string;
  /** The one subject filter the actor folds. */
  readonly filter: string;
  /** Bump when the state's shape changes: older snapshots are then ignored. */
  readonly snapshotVersion: number;
  initialState(): S;
  /** Applies one entry in place (the state is private to the host). */
  evolve(state: S, entry: LogEntry): void;
  decide(state: S, command: C): FleetEvent[];
  route(event: FleetEvent): Route;
  /** Checks a snapshot's state before the host trusts it. */
  restore(raw: unknown): S | undefined;
  /**
   * The state's own snapshot format (both or neither): bytes instead of JSON lines, for states
   * too large for one JSON object per entry. `decodeState` answers undefined for bytes it
   * cannot read whole.
   */
  readonly stateCodec?: StateCodec<S>;
}

/** How an actor writes its state into a snapshot and reads it back. */
export interface StateCodec<S> {
  /** Takes what it needs of `state` before it first awaits: the state moves on meanwhile. */
  encode(state: S): Promise<Uint8Array[]>;
  decode(bytes: Uint8Array): S | undefined;
}

/** Options of a host. */
export interface HostOptions {
  readonly snapshots?: Snapshots;
  /** Save a snapshot after this many folded messages (default 10,000). */
  readonly snapshotEvery?: number;
  /** Give up a command after this many lost races in a row (default 8). */
  readonly maxConflicts?: number;
  /**
   * Stop the actor after this many conflicts in a row that re-reading the log does not resolve
   * (default 6): the log no longer holds what the actor folded ({@link DivergedError}).
   */
  readonly maxUnresolvedConflicts?: number;
  /** Pause before the n-th retry (from 1) of such a conflict; default `divergedPause` (diverged.ts). */
  readonly divergedPauseMs?: (n: number) => number;
  /** Told of every crash and restart. */
  readonly onError?: (error: unknown) => void;
  /** Told every `progressEveryMs` (default 2 s) how far a boot's catch-up with the log is. */
  readonly onProgress?: (progress: CatchUpProgress) => void;
  readonly progressEveryMs?: number;
  /**
   * How long to wait before the n-th restart in a row (n from 1); default {@link restartDelay}.
   * A fold that keeps failing on the same message, or a log that cannot be read, is retried
   * with growing pauses instead of in a tight loop.
   */
  readonly restartDelayMs?: (consecutive: number) => number;
}

/**
 * Default pause before the n-th consecutive restart: none for the first (a one-off bug costs
 * nothing), then 100 ms doubling up to 30 s.
 */
export const restartDelay = (consecutive: number): number =>
  consecutive <= 1 ? 0 : Math.min(30_000, 100 * 2 ** (consecutive - 2));

/** What a command did: the messages it appended, now folded into the state. */
export interface Executed {
  readonly events: readonly FleetEvent[];
  readonly appended: readonly Appended[];
}
