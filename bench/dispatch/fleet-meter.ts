/**
 * Instruments a Fleet run from the outside: wraps the log's append and the dispatcher's
 * decide, execute and fold (instance methods only, bench only), so the numbers come from the
 * real code path and change no decision.
 */
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from '../../actors/dispatcher/dispatcher.ts';
import { isReadable, parseSubject } from '../../events/index.ts';
import type { DispatchCommand, FleetEvent } from '../../events/index.ts';
import type { EventLog, TailItem } from '../../log/index.ts';
import { sharedClockMs } from './child-io.ts';
import type { Probe } from './latency-breakdown.ts';

export class FleetMeter {
  /** Counts only while true: the measured runs, not the warm-up nor the latency samples. */
  measuring = false;
  /** Moments of the latency sample under way, on the shared clock. */
  probe: Probe | undefined;
  readonly appendMs: number[] = [];
  readonly roundMs: number[] = [];
  readonly decideMs: number[] = [];
  rounds = 0;
  assignments = 0;
  /** Assignments decided for claims already answered: nobody gets them until their lease ends. */
  undelivered = 0;
  completed = 0;
  readonly foldLagMs: number[] = [];
  readonly messagesByKind: Record<string, number> = {};
  readonly eventsByKind: Record<string, number> = {};
  readonly #log: EventLog;
  #dispatcher: Dispatcher | undefined;
  #target = Number.POSITIVE_INFINITY;
  #reached: () => void = () => undefined;

  /** Wraps the log's append: before the actors start, so theirs are timed too. */
  constructor(log: EventLog) {
    this.#log = log;
    const append = log.append.bind(log);
    log.append = async (subject, events, options) => {
      const t = performance.now();
      if (this.probe !== undefined) this.probe.appendSent ??= sharedClockMs();
      const r = await append(subject, events, options);
      if (this.probe !== undefined) this.probe.appendAcked ??= sharedClockMs();
      if (this.measuring) this.appendMs.push(performance.now() - t);
      return r;
    };
  }

  /** Wraps the dispatcher's decide and execute, and listens to its folds. */
  watch(dispatcher: Dispatcher): void {
    this.#dispatcher = dispatcher;
    const host = dispatcher.host;
    const decide = host.logic.decide.bind(host.logic);
    host.logic.decide = (state, command) => {
      const t = performance.now();
      const events = decide(state, command);
      if (this.measuring && command.type === 'serve_claims' && events.length > 0)
        this.decideMs.push(performance.now() - t);
      return events;
    };
    // A claim that got assignments is answered; the SDK keeps one claim per worker in flight,
    // so assignments to a worker whose claims in the round were all answered reach nobody
    // (they wait for their lease): counted, since overlapping rounds can cause it.
    const answered = new WeakSet<object>();
    const execute = host.execute.bind(host);
    host.execute = async (command) => {
      const t = performance.now();
      const c = command as DispatchCommand;
      const serving = typeof c === 'object' && c.type === 'serve_claims';
      if (serving && this.probe?.folded !== undefined) this.probe.roundPosted ??= sharedClockMs();
      const r = await execute(command);
      if (typeof c !== 'object' || c.type !== 'serve_claims') return r;
      if (this.probe?.appendAcked !== undefined) this.probe.roundDone ??= sharedClockMs();
      const byWorker = new Map<string, number>();
      for (const e of r.events as FleetEvent[])
        if (e.type === 'task.assigned')
          byWorker.set(e.data.workerId, (byWorker.get(e.data.workerId) ?? 0) + 1);
      for (const [workerId, n] of byWorker) {
        const claims = c.data.claims.filter((x) => x.workerId === workerId);
        if (claims.every((x) => answered.has(x))) this.undelivered += n;
        for (const x of claims) answered.add(x);
      }
      const assigned = [...byWorker.values()].reduce((a, b) => a + b, 0);
      if (this.measuring && assigned > 0) {
        this.rounds += 1;
        this.assignments += assigned;
        this.roundMs.push(performance.now() - t);
      }
      return r;
    };
    host.onFold((item: TailItem) => {
      this.#folded(item);
    });
  }

  #folded(item: TailItem): void {
    const entry = item.entry;
    if (this.measuring) {
      this.foldLagMs.push(Date.now() - entry.at);
      const parsed = parseSubject(item.subject, this.#log.subjects.root);
      const kind = parsed.ok ? parsed.value.kind : 'other';
      this.messagesByKind[kind] = (this.messagesByKind[kind] ?? 0) + 1;
      this.eventsByKind[kind] =
        (this.eventsByKind[kind] ?? 0) + (isReadable(entry) ? entry.events.length : 0);
    }
    if (!isReadable(entry)) return;
    if (this.probe !== undefined && entry.events.some((e) => e.type === 'task.submitted'))
      this.probe.folded ??= sharedClockMs();
    for (const e of entry.events) if (e.type === 'task.completed') this.completed += 1;
    if (this.completed >= this.#target) {
      this.#target = Number.POSITIVE_INFINITY;
      this.#reached();
    }
  }

  /** Resolves when `n` more completions have been folded, or rejects after `ms`. */
  completions(n: number, ms: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const from = this.#target - n;
        this.#target = Number.POSITIVE_INFINITY;
        reject(new Error(`only ${this.completed - from} of ${n} tasks ${this.#stuck(ms)}`));
      }, ms);
      this.#target = this.completed + n;
      this.#reached = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Why a run timed out: where its tasks were left. */
  #stuck(ms: number): string {
    const statuses: Record<string, number> = {};
    for (const task of this.#dispatcher?.host.state.tasks.values() ?? [])
      statuses[task.status] = (statuses[task.status] ?? 0) + 1;
    return (
      `completed within ${ms} ms; ` +
      `tasks by status ${JSON.stringify(statuses)}, claims waiting ${this.#dispatcher?.waiting() ?? 0}, ` +
      `assignments sent to answered claims ${this.undelivered}`
    );
  }
}
