import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ConflictError,
  ErrorCode,
  FleetError,
  subjectMatches,
  UnavailableError,
} from '../../events/index.ts';
import type { FleetEvent } from '../../events/index.ts';
import type { Appended, EventLog, Tail, TailItem } from '../../log/index.ts';
import { DivergedError, DivergenceGuard, divergedPause } from './diverged.ts';
import { watchProgress } from './catch-up-progress.ts';
import { Mailbox } from './mailbox.ts';
import { loadSnapshot, saveLoudly } from './snapshots.ts';

import { restartDelay } from './host-types.ts';
import type { ActorLogic, Executed, HostOptions } from './host-types.ts';

export { restartDelay } from './host-types.ts';
export type { ActorLogic, Executed, HostOptions, Route } from './host-types.ts';

/**
 * Hosts one actor: folds its subjects from the log (from a snapshot when there is one) into
 * private state, and runs commands one at a time through a mailbox — decide, append (exclusive
 * decisions with expected-last-subject-sequence, every append with a dedupe id), retry after
 * re-folding when a competing writer won, and resolve only once the appended events are
 * folded. A fold that throws restarts the actor from the log, after a pause that grows while
 * restarts keep failing; commands wait for the restart.
 */
export class ActorHost<S, C> {
  #state: S;
  #position = 0;
  #subjectSeqs = new Map<string, number>();
  #tail: Tail | undefined;
  #waiters: { seq: number; resolve: () => void }[] = [];
  #listeners = new Set<(item: TailItem) => void>();
  #sinceSnapshot = 0;
  /** The save under way. */
  #saving: Promise<boolean> | undefined;
  #stopped = false;
  #folded = 0;
  #restoredFrom: number | undefined;
  #restarts = 0;
  /** Restarts since the fold last got past the message it failed on. */
  #consecutive = 0;
  #failedAt = 0;
  /** Bumped by every restart: a superseded tail's late messages are ignored. */
  #generation = 0;
  #ready: Promise<void> = Promise.resolve();
  readonly mailbox = new Mailbox();
  readonly #instance = randomUUID();
  readonly #guard: DivergenceGuard;
  /** Appends refused because another writer's message was last on the subject. */
  #conflicts = 0;
  #failure: DivergedError | undefined;
  #markFailed: (error: DivergedError) => void = () => undefined;
  /** Resolves with the error the actor gave up with, if it ever does. */
  readonly failed = new Promise<DivergedError>((resolve) => {
    this.#markFailed = resolve;
  });

  private constructor(
    readonly log: EventLog,
    readonly logic: ActorLogic<S, C>,
    readonly options: HostOptions,
  ) {
    this.#state = logic.initialState();
    this.#guard = new DivergenceGuard(
      logic.name,
      options.maxUnresolvedConflicts ?? 6,
      options.divergedPauseMs ?? divergedPause,
      (m) => options.onError?.(new FleetError(ErrorCode.Conflict, m)),
    );
  }

  /** Starts the actor and resolves once it has folded everything stored so far. */
  static async start<S, C>(
    log: EventLog,
    logic: ActorLogic<S, C>,
    options: HostOptions = {},
  ): Promise<ActorHost<S, C>> {
    const host = new ActorHost(log, logic, options);
    host.#ready = host.#boot(host.#generation);
    await host.#settled();
    return host;
  }

  /** The folded state. Read it, never change it: it is the actor's. */
  get state(): S {
    return this.#state;
  }

  /** Last stream sequence folded. */
  get position(): number {
    return this.#position;
  }

  /**
   * How this actor got its state (messages folded since boot, snapshot position, restarts) and
   * how its appends fared (conflicts, and those re-reading did not resolve).
   */
  get stats(): {
    folded: number;
    restoredFrom: number | undefined;
    restarts: number;
    conflicts: number;
    unresolvedConflicts: number;
  } {
    return {
      folded: this.#folded,
      restoredFrom: this.#restoredFrom,
      restarts: this.#restarts,
      conflicts: this.#conflicts,
      unresolvedConflicts: this.#guard.total,
    };
  }

  /** Calls `listener` after each folded message. Returns a function that removes it. */
  onFold(listener: (item: TailItem) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves once the fold has reached sequence `seq`. */
  waitFor(seq: number): Promise<void> {
    if (this.#position >= seq) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ seq, resolve }));
  }

  /** Resolves once the fold has seen the last message stored on `subject` (one it folds). */
  async catchUp(subject: string): Promise<void> {
    await this.waitFor(await this.log.lastSubjectSeq(subject));
  }

  /**
   * Decides on the current state and appends the outcome; on a lost race re-folds and decides
   * again. `command` may be a function of the state, evaluated at decision time.
   */
  execute(command: C | ((state: S) => C)): Promise<Executed> {
    // Posted after stop: refused. Posted before: it runs, and stop waits for it.
    if (this.#stopped)
      return Promise.reject(this.#failure ?? new UnavailableError(`${this.logic.name} is stopped`));
    return this.mailbox.post(async () => {
      const max = this.options.maxConflicts ?? 8;
      for (let attempt = 1; ; attempt += 1) {
        await this.#settled();
        if (this.#failure !== undefined) throw this.#failure;
        // Stopped while restarting: there is no folded state to decide on.
        if (this.#tail === undefined)
          throw new UnavailableError(`${this.logic.name} stopped while restarting`);
        const cmd =
          typeof command === 'function' ? (command as (state: S) => C)(this.#state) : command;
        const events = this.logic.decide(this.#state, cmd);
        if (events.length === 0) return { events, appended: [] };
        let appended: Appended[];
        try {
          appended = await this.#append(events);
        } catch (e) {
          if (!(e instanceof ConflictError)) throw e;
          this.#conflicts += 1;
          const stored = await this.log.lastSubjectSeq(e.subject);
          await this.waitFor(stored);
          const folded = this.#subjectSeqs.get(e.subject) ?? 0;
          // Caught up with the other writer: decide again, a bounded number of times.
          if (folded === stored) {
            if (attempt >= max) throw e;
            continue;
          }
          // The subject's history is not what was folded: re-reading cannot resolve it.
          const verdict = this.#guard.unresolved(e.subject, folded, stored);
          if (verdict instanceof DivergedError) {
            this.#fail(verdict);
            throw verdict;
          }
          await sleep(verdict);
          continue;
        }
        this.#guard.resolved();
        {
          // Act only on what the fold has accepted: wait until it has folded our appends.
          const folded = appended.filter((a) => subjectMatches(this.logic.filter, a.subject));
          await this.waitFor(Math.max(0, ...folded.map((a) => a.seq)));
          return { events, appended };
        }
      }
    });
  }

  /**
   * Saves a snapshot now (if a snapshot store is configured): after the save under way, if
   * any, so a stop never loses its snapshot to a periodic one. False when none was written; why
   * is told to `onError`, loudly, with the size.
   */
  async snapshot(): Promise<boolean> {
    await this.#saving;
    return this.#save();
  }

  /** One save at a time: a catch-up folds 10,000 messages faster than a large save completes. */
  #save(): Promise<boolean> {
    const store = this.options.snapshots;
    // A diverged state is not worth keeping: the log no longer holds what it was folded from.
    if (store === undefined || this.#failure !== undefined) return Promise.resolve(false);
    if (this.#saving !== undefined) return this.#saving;
    this.#sinceSnapshot = 0;
    const name = this.logic.name;
    const saving = saveLoudly(
      store,
      name,
      {
        version: this.logic.snapshotVersion,
        position: this.#position,
        subjectSeqs: Object.fromEntries(this.#subjectSeqs),
        state: this.#state,
      },
      this.options.onError,
      this.logic.stateCodec,
    ).finally(() => {
      this.#saving = undefined;
    });
    this.#saving = saving;
    return saving;
  }

  /** Gives up for good: told once, commands fail with `error`, the fold stops. */
  #fail(error: DivergedError): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    this.#stopped = true;
    this.options.onError?.(error);
    this.#markFailed(error);
    this.#generation += 1;
    const tail = this.#tail;
    this.#tail = undefined;
    tail?.stop().catch((e: unknown) => this.options.onError?.(e));
  }

  /** Stops folding. Commands posted afterwards fail. */
  async stop(): Promise<void> {
    this.#stopped = true;
    // Commands under way still wait for their appends to be folded: only then is the tail let go.
    await this.mailbox.idle();
    this.#generation += 1;
    await this.#tail?.stop();
  }

  async #append(events: readonly FleetEvent[]): Promise<Appended[]> {
    // One message per subject, in first-appearance order, so a batch stays atomic.
    const groups = new Map<string, { exclusive: boolean; events: FleetEvent[] }>();
    for (const e of events) {
      const r = this.logic.route(e);
      const g = groups.get(r.subject) ?? { exclusive: false, events: [] };
      g.exclusive ||= r.exclusive;
      g.events.push(e);
      groups.set(r.subject, g);
    }
    const out: Appended[] = [];
    for (const [subject, g] of groups) {
      const last = this.#subjectSeqs.get(subject) ?? 0;
      const appended = await this.log.append(subject, g.events, {
        // A retried append after a lost ack is deduplicated, not stored twice. The instance id
        // keeps two hosts of one actor apart: JetStream checks the dedupe id before the expected
        // sequence, so a shared id would make the loser's append look like a success.
        msgId: `${this.logic.name}:${this.#instance}:${subject}:${last}:${this.#position}`,
        ...(g.exclusive ? { expectedLastSubjectSeq: last } : {}),
      });
      out.push(appended);
    }
    return out;
  }

  #fold(item: TailItem): void {
    if (item.entry.seq <= this.#position) return;
    this.logic.evolve(this.#state, item.entry);
    this.#position = item.entry.seq;
    this.#folded += 1;
    this.#subjectSeqs.set(item.subject, item.entry.seq);
    if (this.#position > this.#failedAt) this.#consecutive = 0;
    this.#releaseWaiters();
    for (const l of this.#listeners) l(item);
    this.#sinceSnapshot += 1;
    if (this.#sinceSnapshot >= (this.options.snapshotEvery ?? 10_000)) {
      void this.#save();
    }
  }

  /** Resolves the waiters the fold has reached. */
  #releaseWaiters(): void {
    if (this.#waiters.length === 0) return;
    const due = this.#waiters.filter((w) => w.seq <= this.#position);
    this.#waiters = this.#waiters.filter((w) => w.seq > this.#position);
    for (const w of due) w.resolve();
  }

  async #boot(generation: number): Promise<void> {
    this.#state = this.logic.initialState();
    this.#position = 0;
    this.#subjectSeqs = new Map();
    this.#folded = 0;
    this.#restoredFrom = undefined;
    const { snapshot: snap, last } = await loadSnapshot(
      this.options.snapshots,
      this.log,
      this.logic,
      this.options.onError,
    );
    if (snap !== undefined) {
      this.#state = snap.state;
      this.#position = snap.position;
      this.#subjectSeqs = new Map(Object.entries(snap.subjectSeqs));
      this.#restoredFrom = snap.position;
      this.#releaseWaiters();
    }
    const tail = await this.log.tail(this.logic.filter, this.#position + 1, (item) => {
      if (generation !== this.#generation) return;
      try {
        this.#fold(item);
      } catch (e) {
        this.#failedAt = item.entry.seq;
        this.#crash(e);
      }
    });
    if (generation !== this.#generation) {
      await tail.stop();
      return;
    }
    this.#tail = tail;
    // A tail heals itself; if it still ends or fails without being stopped, the fold would be
    // left silently behind: restart from the log instead.
    tail.done.then(
      () => {
        if (generation === this.#generation)
          this.#crash(new UnavailableError(`the log tail of ${this.logic.name} ended`));
      },
      (e: unknown) => {
        if (generation === this.#generation) this.#crash(e);
      },
    );
    const onProgress = this.options.onProgress;
    const quiet =
      onProgress === undefined
        ? () => undefined
        : watchProgress(
            this.logic.name,
            last,
            () => this.#position,
            this.options.progressEveryMs ?? 2_000,
            onProgress,
          );
    // A crash while catching up supersedes this boot: stop waiting for a catch-up that the
    // failed fold will never reach.
    await Promise.race([tail.caughtUp, tail.done.catch(() => undefined)]).finally(quiet);
  }

  /** Resolves once the latest boot or restart is done (a crash meanwhile starts a newer one). */
  async #settled(): Promise<void> {
    let ready: Promise<void>;
    do {
      ready = this.#ready;
      await ready;
    } while (ready !== this.#ready && !this.#stopped);
  }

  /** Supervision: a failed fold discards the state and folds again from the log. */
  #crash(error: unknown): void {
    if (this.#stopped) return;
    this.options.onError?.(error);
    this.#restarts += 1;
    this.#consecutive += 1;
    this.#generation += 1;
    const old = this.#tail;
    this.#tail = undefined;
    this.#ready = this.#restart(old, this.#generation);
  }

  #superseded(generation: number): boolean {
    return this.#stopped || generation !== this.#generation;
  }

  /** Boots again after a pause, until a boot succeeds, a newer crash supersedes it, or stop. */
  async #restart(old: Tail | undefined, generation: number): Promise<void> {
    await old?.stop().catch((e: unknown) => this.options.onError?.(e));
    const delay = this.options.restartDelayMs ?? restartDelay;
    for (;;) {
      if (this.#superseded(generation)) return;
      const pause = delay(this.#consecutive);
      if (pause > 0) await sleep(pause);
      if (this.#superseded(generation)) return;
      try {
        await this.#boot(generation);
        return;
      } catch (e) {
        // The log or the snapshot store is unreachable: keep trying, more slowly.
        this.options.onError?.(e);
        this.#consecutive += 1;
      }
    }
  }
}
