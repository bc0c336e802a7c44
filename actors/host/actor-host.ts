import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConflictError, subjectMatches, UnavailableError } from '../../events/index.ts';
import type { FleetEvent, LogEntry } from '../../events/index.ts';
import type { Appended, EventLog, Tail, TailItem } from './event-log.ts';
import { Mailbox } from './mailbox.ts';
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
}

/** Options of a host. */
export interface HostOptions {
  readonly snapshots?: Snapshots;
  /** Save a snapshot after this many folded messages (default 10,000). */
  readonly snapshotEvery?: number;
  /** Give up a command after this many lost races in a row (default 8). */
  readonly maxConflicts?: number;
  /** Told of every crash and restart. */
  readonly onError?: (error: unknown) => void;
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
  #saving = false;
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

  private constructor(
    readonly log: EventLog,
    readonly logic: ActorLogic<S, C>,
    readonly options: HostOptions,
  ) {
    this.#state = logic.initialState();
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

  /** How this actor got its state: messages folded since boot, snapshot position, restarts. */
  get stats(): { folded: number; restoredFrom: number | undefined; restarts: number } {
    return { folded: this.#folded, restoredFrom: this.#restoredFrom, restarts: this.#restarts };
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
    if (this.#stopped) return Promise.reject(new UnavailableError(`${this.logic.name} is stopped`));
    return this.mailbox.post(async () => {
      const max = this.options.maxConflicts ?? 8;
      for (let attempt = 1; ; attempt += 1) {
        await this.#settled();
        // Stopped while restarting: there is no folded state to decide on.
        if (this.#tail === undefined)
          throw new UnavailableError(`${this.logic.name} stopped while restarting`);
        const cmd =
          typeof command === 'function' ? (command as (state: S) => C)(this.#state) : command;
        const events = this.logic.decide(this.#state, cmd);
        if (events.length === 0) return { events, appended: [] };
        try {
          const appended = await this.#append(events);
          // Act only on what the fold has accepted: wait until it has folded our appends.
          const folded = appended.filter((a) => subjectMatches(this.logic.filter, a.subject));
          await this.waitFor(Math.max(0, ...folded.map((a) => a.seq)));
          return { events, appended };
        } catch (e) {
          if (!(e instanceof ConflictError) || attempt >= max) throw e;
          await this.catchUp(e.subject);
        }
      }
    });
  }

  /** Saves a snapshot now (if a snapshot store is configured). */
  async snapshot(): Promise<boolean> {
    const store = this.options.snapshots;
    // One save at a time: a catch-up folds 10,000 messages faster than a large save completes.
    if (store === undefined || this.#saving) return false;
    this.#sinceSnapshot = 0;
    this.#saving = true;
    try {
      return await store.save(this.logic.name, {
        version: this.logic.snapshotVersion,
        position: this.#position,
        subjectSeqs: Object.fromEntries(this.#subjectSeqs),
        state: this.#state,
      });
    } finally {
      this.#saving = false;
    }
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
      this.snapshot().catch((e: unknown) => this.options.onError?.(e));
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
    const snap = await this.options.snapshots?.load(
      this.logic.name,
      this.logic.snapshotVersion,
      (raw) => this.logic.restore(raw),
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
    // A crash while catching up supersedes this boot: stop waiting for a catch-up that the
    // failed fold will never reach.
    await Promise.race([tail.caughtUp, tail.done.catch(() => undefined)]);
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
