import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import { submitTask, submitTasks } from '../../client/index.ts';
import { isReadable, parseSubject, PoolId, ProjectId } from '../../events/index.ts';
import type { DispatchCommand, FleetEvent } from '../../events/index.ts';
import { EventLog } from '../../log/index.ts';
import type { TailItem } from '../../log/index.ts';
import { startDispatcher } from '../../actors/dispatcher/dispatcher.ts';
import { issueKey, startRegistrar } from '../../actors/registrar/index.ts';
import { spawnChild } from './child-link.ts';
import type { ChildLink, ChildMessage } from './child-link.ts';
import { sharedClockMs } from './child-io.ts';
import { clockOffset } from './clock-offset.ts';
import type { ClockOffset } from './clock-offset.ts';
import { ownCpuMs, processCpuMs } from './process-cpu.ts';
import { summarize } from './stats.ts';
import type { LatencySummary } from './stats.ts';
import { noopInput } from './submit.ts';

/** One Fleet configuration: how many workers, each with how many slots. */
export interface FleetSetup {
  readonly workers: number;
  readonly capacity: number;
}

/** Options of a Fleet measurement. */
export interface FleetBenchOptions {
  readonly url: string;
  /** The nats-server's pid, to read its CPU time. */
  readonly natsPid: number;
  readonly runs: number;
  readonly minTasks: number;
  readonly maxTasks: number;
  /** Aim for runs this long (ms), within the task bounds. */
  readonly targetRunMs: number;
  readonly latencySamples: number;
  /** Give up a run after this long (ms). */
  readonly runTimeoutMs: number;
  /** Say what is happening (progress lines). */
  readonly say: (line: string) => void;
  /** The workers' child script, relative to this file (default `./workers.ts`); for experiments. */
  readonly workerScript?: string;
  /** Create every NATS connection with `noAsyncTraces` (no Error captured per request). */
  readonly noAsyncTraces?: boolean;
}

/** Where Fleet's time went in the measured runs of one configuration. */
export interface FleetProfile {
  readonly tasks: number;
  /** Stored messages per task, all kinds, and by subject kind. */
  readonly messagesPerTask: number;
  readonly messagesPerTaskByKind: Readonly<Record<string, number>>;
  /** Events per stored message, by subject kind. */
  readonly eventsPerMessageByKind: Readonly<Record<string, number>>;
  /** Claim rounds (serve_claims commands) that assigned something, per second of run. */
  readonly roundsPerSecond: number;
  readonly assignmentsPerRound: number;
  /** Wall time of one round: mailbox wait + decide + append + wait for own fold. */
  readonly roundMs: LatencySummary;
  readonly decideMs: LatencySummary;
  /** The dispatcher's appends (publish → ack). */
  readonly appendMs: LatencySummary;
  /** Fold time minus stream timestamp (ms resolution of the stream timestamp). */
  readonly foldLagMs: LatencySummary;
  /** Claim requests per task, and heartbeats sent, by the workers. */
  readonly claimsPerTask: number;
  /** Worker side: handler start → report acknowledged. */
  readonly reportMs: LatencySummary;
  /** CPU ms per 1,000 tasks of each process. */
  readonly cpuPerKTask: { readonly main: number; readonly workers: number; readonly nats: number };
  readonly workerErrors: number;
  /** Assignments decided for claims already answered: nobody gets them until their lease ends. */
  readonly undelivered: number;
  readonly lastErrors: readonly string[];
}

/** Moments of one latency sample on the shared clock, ms. */
interface Probe {
  t0?: number;
  /** The dispatcher folded the submission. */
  folded?: number;
  /** A claim round was posted to the dispatcher's mailbox after that. */
  roundPosted?: number;
  /** The round's decision went out as an append. */
  appendSent?: number;
  /** JetStream acknowledged it. */
  appendAcked?: number;
  /** The dispatcher folded its own append; the claim is answered now. */
  roundDone?: number;
  /** The worker's handler started. */
  at?: number;
}

/** Submit → start cut into steps (ms): where an idle task's wait goes. */
export interface LatencyBreakdown {
  /** Producer publish → the dispatcher has folded the submission. */
  readonly submitFolded: LatencySummary;
  /** → a claim round is posted (the round is scheduled with `setImmediate`). */
  readonly roundPosted: LatencySummary;
  /** → decided, the append sent (mailbox + decide + encode). */
  readonly decided: LatencySummary;
  /** → the append acknowledged. */
  readonly appended: LatencySummary;
  /** → the dispatcher folded its own append (it acts only on folded decisions). */
  readonly ownFold: LatencySummary;
  /** → the claim reply reached the worker and the handler started. */
  readonly started: LatencySummary;
}

/** What one configuration measured. */
export interface FleetResult {
  readonly setup: FleetSetup;
  readonly tasksPerRun: number;
  /** Tasks/s of each measured run (submit of the first → fold of the last completion). */
  readonly rates: readonly number[];
  /** Submit → handler start with idle workers, ms. */
  readonly latency: LatencySummary;
  /** The same samples cut at each step of the path. */
  readonly breakdown: LatencyBreakdown;
  readonly clock: ClockOffset;
  readonly profile: FleetProfile;
}

const POOL = PoolId.parse('bench');
const PROJECT = ProjectId.parse('bench');

/** Rounds up to a multiple of 1,000 within bounds. */
const sizeRun = (rate: number, o: FleetBenchOptions) =>
  Math.min(
    o.maxTasks,
    Math.max(o.minTasks, Math.ceil((rate * o.targetRunMs) / 1000 / 1000) * 1000),
  );

/**
 * Fleet end to end for one setup: a dispatcher and a registrar in this process, the workers in
 * a child process, a producer here submitting batches; tasks/s over several runs, then
 * submit → start latency one task at a time with idle workers, then a profile of the runs.
 */
export const benchFleet = async (setup: FleetSetup, o: FleetBenchOptions): Promise<FleetResult> => {
  const id = randomBytes(4).toString('hex');
  const noAsyncTraces = o.noAsyncTraces ?? false;
  const actorsNc = await connect({ servers: o.url, name: 'bench-fleet-actors', noAsyncTraces });
  const producerNc = await connect({ servers: o.url, name: 'bench-fleet-producer', noAsyncTraces });
  const log = await EventLog.open(actorsNc, { stream: `BENCH_FLEET_${id}`, root: `bf${id}` });
  const root = log.subjects.root;
  let child: ChildLink | undefined;
  const stops: (() => Promise<unknown>)[] = [];
  try {
    // --- instrumentation (bench only: wraps instance methods, changes no decision) -----------
    let measuring = false;
    /** Moments of the latency sample under way, on the shared clock. */
    let probe: Probe | undefined;
    const appendMs: number[] = [];
    const append = log.append.bind(log);
    log.append = async (subject, events, options) => {
      const t = performance.now();
      if (probe !== undefined) probe.appendSent ??= sharedClockMs();
      const r = await append(subject, events, options);
      if (probe !== undefined) probe.appendAcked ??= sharedClockMs();
      if (measuring) appendMs.push(performance.now() - t);
      return r;
    };

    const registrar = await startRegistrar({ log });
    stops.push(() => registrar.stop());
    const dispatcher = await startDispatcher({ log, pool: POOL });
    stops.push(() => dispatcher.stop());
    const host = dispatcher.host;

    const roundMs: number[] = [];
    const decideMs: number[] = [];
    let rounds = 0;
    let assignments = 0;
    const decide = host.logic.decide.bind(host.logic);
    host.logic.decide = (state, command) => {
      const t = performance.now();
      const events = decide(state, command);
      if (measuring && command.type === 'serve_claims' && events.length > 0)
        decideMs.push(performance.now() - t);
      return events;
    };
    // A claim that got assignments is answered; the SDK keeps one claim per worker in flight,
    // so assignments to a worker whose claims in the round were all answered reach nobody
    // (they wait for their lease): counted, since overlapping rounds can cause it.
    const answered = new WeakSet<object>();
    let undelivered = 0;
    const execute = host.execute.bind(host);
    host.execute = async (command) => {
      const t = performance.now();
      const c = command as DispatchCommand;
      const serving = typeof c === 'object' && c.type === 'serve_claims';
      if (serving && probe?.folded !== undefined) probe.roundPosted ??= sharedClockMs();
      const r = await execute(command);
      if (typeof c !== 'object' || c.type !== 'serve_claims') return r;
      if (probe?.appendAcked !== undefined) probe.roundDone ??= sharedClockMs();
      const byWorker = new Map<string, number>();
      for (const e of r.events as FleetEvent[])
        if (e.type === 'task.assigned')
          byWorker.set(e.data.workerId, (byWorker.get(e.data.workerId) ?? 0) + 1);
      for (const [workerId, n] of byWorker) {
        const claims = c.data.claims.filter((x) => x.workerId === workerId);
        if (claims.every((x) => answered.has(x))) undelivered += n;
        for (const x of claims) answered.add(x);
      }
      const assigned = [...byWorker.values()].reduce((a, b) => a + b, 0);
      if (measuring && assigned > 0) {
        rounds += 1;
        assignments += assigned;
        roundMs.push(performance.now() - t);
      }
      return r;
    };

    let completed = 0;
    let target = Number.POSITIVE_INFINITY;
    let reached: () => void = () => undefined;
    const foldLagMs: number[] = [];
    const messagesByKind: Record<string, number> = {};
    const eventsByKind: Record<string, number> = {};
    host.onFold((item: TailItem) => {
      const entry = item.entry;
      if (measuring) {
        foldLagMs.push(Date.now() - entry.at);
        const parsed = parseSubject(item.subject, log.subjects.root);
        const kind = parsed.ok ? parsed.value.kind : 'other';
        messagesByKind[kind] = (messagesByKind[kind] ?? 0) + 1;
        eventsByKind[kind] =
          (eventsByKind[kind] ?? 0) + (isReadable(entry) ? entry.events.length : 0);
      }
      if (!isReadable(entry)) return;
      if (probe !== undefined && entry.events.some((e) => e.type === 'task.submitted'))
        probe.folded ??= sharedClockMs();
      for (const e of entry.events) if (e.type === 'task.completed') completed += 1;
      if (completed >= target) {
        target = Number.POSITIVE_INFINITY;
        reached();
      }
    });
    /** Resolves when `n` more completions have been folded, or rejects after `ms`. */
    const completions = (n: number, ms: number): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          const from = target - n;
          target = Number.POSITIVE_INFINITY;
          const statuses: Record<string, number> = {};
          for (const task of Object.values(host.state.tasks))
            statuses[task.status] = (statuses[task.status] ?? 0) + 1;
          reject(
            new Error(
              `only ${completed - from} of ${n} tasks completed within ${ms} ms; ` +
                `tasks by status ${JSON.stringify(statuses)}, claims waiting ${dispatcher.waiting()}, ` +
                `assignments sent to answered claims ${undelivered}`,
            ),
          );
        }, ms);
        target = completed + n;
        reached = () => {
          clearTimeout(timer);
          resolve();
        };
      });

    // --- workers in their own process ------------------------------------------------------
    const key = await issueKey(log, {
      project: PROJECT,
      pool: POOL,
      maxUses: setup.workers,
      models: ['noop'],
    });
    const workers = spawnChild(o.workerScript ?? './workers.ts', {
      url: o.url,
      root: log.subjects.root,
      token: key.token,
      workers: setup.workers,
      capacity: setup.capacity,
      maxLifeMs: 5 * 60_000,
      noAsyncTraces,
    });
    child = workers;
    await workers.next('ready', 60_000);

    const run = async (prefix: string, n: number): Promise<number> => {
      const done = completions(n, o.runTimeoutMs);
      const t = performance.now();
      // The producer client: one batch message per 1,000 tasks, all in flight at once.
      await submitTasks(
        producerNc,
        Array.from({ length: n }, (_, i) => noopInput(PROJECT, POOL, `${prefix}-${i}`)),
        { root },
      );
      await done;
      return (n * 1000) / (performance.now() - t);
    };

    // Warm up (JIT, connections), and size the runs from the warm-up's rate.
    const warm = await run(`w${id}`, 2_000);
    const tasksPerRun = sizeRun(warm, o);
    workers.send({ cmd: 'stats' });
    await workers.next('stats', 5_000);

    const seq0 = await log.lastSeq();
    const cpu0 = { main: ownCpuMs(), nats: processCpuMs(o.natsPid) };
    const rates: number[] = [];
    let runMs = 0;
    measuring = true;
    for (let r = 0; r < o.runs; r += 1) {
      const t = performance.now();
      rates.push(await run(`r${r}${id}`, tasksPerRun));
      runMs += performance.now() - t;
      o.say(
        `fleet ${setup.workers}x${setup.capacity}: run ${r + 1}: ${Math.round(rates[r] ?? 0)} tasks/s`,
      );
    }
    measuring = false;
    const cpu1 = { main: ownCpuMs(), nats: processCpuMs(o.natsPid) };
    const seq1 = await log.lastSeq();
    workers.send({ cmd: 'stats' });
    const stats: ChildMessage = await workers.next('stats', 5_000);

    // --- submit → start, one task at a time, idle workers ------------------------------------
    const clock = await clockOffset(workers);
    const latencies: number[] = [];
    const probes: Required<Probe>[] = [];
    for (let i = 0; i < o.latencySamples + 20; i += 1) {
      const done = completions(1, 10_000);
      const p: Probe = {};
      probe = p;
      const t0 = sharedClockMs();
      const ack = submitTask(producerNc, noopInput(PROJECT, POOL, `l${i}${id}`, { t0 }), { root });
      const started = await workers.next('started', 10_000);
      probe = undefined;
      await Promise.all([ack, done]);
      // The first few warm the path up.
      if (i < 20) continue;
      const at = Number(started['at']);
      latencies.push(at - t0);
      const { folded, roundPosted, appendSent, appendAcked, roundDone } = p;
      if (
        folded !== undefined &&
        roundPosted !== undefined &&
        appendSent !== undefined &&
        appendAcked !== undefined &&
        roundDone !== undefined
      )
        probes.push({ t0, folded, roundPosted, appendSent, appendAcked, roundDone, at });
    }
    const segment = (f: (p: Required<Probe>) => number) => summarize(probes.map(f));
    const breakdown: LatencyBreakdown = {
      submitFolded: segment((p) => p.folded - p.t0),
      roundPosted: segment((p) => p.roundPosted - p.folded),
      decided: segment((p) => p.appendSent - p.roundPosted),
      appended: segment((p) => p.appendAcked - p.appendSent),
      ownFold: segment((p) => p.roundDone - p.appendAcked),
      started: segment((p) => p.at - p.roundDone),
    };

    const tasks = tasksPerRun * o.runs;
    const perTask = (n: number) => n / tasks;
    const perMessage: Record<string, number> = {};
    for (const [k, n] of Object.entries(messagesByKind)) perMessage[k] = (eventsByKind[k] ?? 0) / n;
    const report = stats['report'] as LatencySummary;
    return {
      setup,
      tasksPerRun,
      rates,
      latency: summarize(latencies),
      breakdown,
      clock,
      profile: {
        tasks,
        messagesPerTask: perTask(seq1 - seq0),
        messagesPerTaskByKind: Object.fromEntries(
          Object.entries(messagesByKind).map(([k, n]) => [k, perTask(n)]),
        ),
        eventsPerMessageByKind: perMessage,
        roundsPerSecond: (rounds * 1000) / runMs,
        assignmentsPerRound: assignments / rounds,
        roundMs: summarize(roundMs),
        decideMs: summarize(decideMs),
        appendMs: summarize(appendMs),
        foldLagMs: summarize(foldLagMs),
        claimsPerTask: perTask(Number(stats['claims'])),
        reportMs: report,
        cpuPerKTask: {
          main: ((cpu1.main - cpu0.main) * 1000) / tasks,
          workers: (Number(stats['cpuMs']) * 1000) / tasks,
          nats: ((cpu1.nats - cpu0.nats) * 1000) / tasks,
        },
        workerErrors: Number(stats['errors']),
        undelivered,
        lastErrors: stats['lastErrors'] as string[],
      },
    };
  } finally {
    await child?.stop(15_000);
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await log.jsm.streams.delete(log.stream).catch(() => undefined);
    await producerNc.close();
    await actorsNc.close();
  }
};
