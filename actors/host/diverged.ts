import { ErrorCode, FleetError } from '../../events/index.ts';

/**
 * The log no longer holds what an actor folded: an exclusive append keeps conflicting on a
 * subject whose last stored message is not the one the actor folded (the stream was purged, or
 * deleted and created again, under it). Re-reading cannot fix that; the actor stops.
 */
export class DivergedError extends FleetError {
  override readonly name = 'DivergedError';
  constructor(
    readonly actor: string,
    readonly subject: string,
    readonly folded: number,
    readonly stored: number,
    readonly attempts: number,
  ) {
    super(
      ErrorCode.Conflict,
      `${actor} stopped: appends to ${subject} conflicted ${attempts} times in a row; it folded ` +
        `that subject up to sequence ${folded}, but the stream's last message on it is ` +
        `${stored === 0 ? 'none' : stored} (the stream lost that history under it: removed by a limit, purged or recreated). ` +
        `Stop every instance, remove its snapshot, and start again.`,
    );
  }
}

/** Pause before the n-th retry (from 1) of a conflict re-reading did not resolve. */
export const divergedPause = (n: number): number => Math.min(5_000, 200 * 2 ** (n - 1));

/**
 * Counts conflicts that re-reading the log did not resolve, in a row across commands: the
 * first of a run is told once, each is retried after a growing pause, and past `max` the actor
 * gives up with a {@link DivergedError}. Any append that goes through ends the run.
 */
export class DivergenceGuard {
  #run = 0;
  /** Unresolved conflicts since start. */
  total = 0;

  constructor(
    readonly actor: string,
    readonly max: number,
    readonly pause: (n: number) => number,
    readonly tell: (message: string) => void,
  ) {}

  /** An unresolved conflict: the pause before retrying, or the error to stop with. */
  unresolved(subject: string, folded: number, stored: number): number | DivergedError {
    this.#run += 1;
    this.total += 1;
    if (this.#run >= this.max)
      return new DivergedError(this.actor, subject, folded, stored, this.#run);
    if (this.#run === 1)
      this.tell(
        `${this.actor}: an append to ${subject} conflicts and re-reading does not resolve it ` +
          `(folded up to ${folded}, the stream's last is ${stored === 0 ? 'none' : stored}); ` +
          `retrying with backoff, at most ${this.max} times`,
      );
    return this.pause(this.#run);
  }

  /** An append went through: the log and the actor agree again. */
  resolved(): void {
    this.#run = 0;
  }
}
