/**
 * End-to-end dispatch benchmark (`npm run bench`, or `npx tsx bench/dispatch.ts`), side by side
 * in one run on this machine:
 *
 * 1. Raw JetStream, the floor under everything: sync publish (await each ack) and pipelined
 *    publish (windows of 1,000 in flight) of a 180-byte submission to a private file stream on
 *    a private nats-server (127.0.0.1, random port, temp store; never the machine's 4222), and
 *    core request/reply (what a claim costs at least).
 * 2. Fleet: submit → assign → complete with no-op handlers. The dispatcher, the registrar and
 *    the producer run in this process; the workers (worker SDK, one NATS connection) in a child
 *    process. 1, 10 and 100 workers sharing a total concurrency of 100. Tasks are submitted with
 *    the producer client (`submitTasks`: batch messages of 1,000, all in flight); a run ends
 *    when the dispatcher has folded the last completion. Then submit → handler start, one task
 *    at a time (`submitTask`) with idle workers.
 * 3. BullMQ on the local Redis (127.0.0.1:6379): the same no-op workload, `addBulk` of 1,000,
 *    one Worker of concurrency 100 in a child process; add → complete, then add → start.
 *
 * Each configuration: a warm-up, then `--runs` runs (default 3) sized from the warm-up's rate
 * to take a few seconds (5,000–20,000 tasks); the table shows the median. Latencies are taken
 * across processes on the machine's shared monotonic clock; the clock offset measured between
 * the processes (ping over their pipes) is printed as a check.
 *
 * Then where Fleet's time goes: messages per task, claim rounds, append latency, fold lag, the
 * workers' report latency, CPU per task of each process, and submit → start cut into steps.
 *
 * Flags: --only=raw,fleet,bullmq  --runs=N  --workers=1,10,100  --concurrency=100  --quick
 *   --async-traces               Fleet's NATS connections build nats.js's per-request Error
 *                                objects (async stack traces); off by default, as in `fleet`'s
 *                                long-lived connections
 * Profiling: BENCH_CPU_PROF=<dir> gives each child process `--cpu-prof` into <dir>.
 * Everything is bounded (run time-outs, a global watchdog) and stops by itself.
 */
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { startNatsServer } from '../infra/nats-server.ts';
import type { NatsServerHandle } from '../infra/nats-server.ts';
import {
  benchBullmq,
  benchFleet,
  benchRawJetStream,
  cpuTable,
  formatTable,
  machineFacts,
  median,
  ms,
  num,
  redisVersion,
} from './dispatch/index.ts';
import type { BullmqResult, FleetResult, RawResult } from './dispatch/index.ts';
import { writeResult } from './picture/index.ts';
import type { DispatchResult } from './picture/index.ts';

// Knobs

const flag = (name: string): string | undefined =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const QUICK = process.argv.includes('--quick');
const ONLY = new Set((flag('only') ?? 'raw,fleet,bullmq').split(','));
const RUNS = Number(flag('runs') ?? (QUICK ? 1 : 3));
const WORKERS = (flag('workers') ?? '1,10,100').split(',').map(Number);
const CONCURRENCY = Number(flag('concurrency') ?? 100);
const NO_ASYNC_TRACES = !process.argv.includes('--async-traces');
/** Fleet's variants: the worker SDK (a what-if worker script can be compared here). */
const VARIANTS: readonly { name: string; script: string }[] = [
  { name: 'SDK', script: './workers.ts' },
];
const MIN_TASKS = QUICK ? 2_000 : 5_000;
const MAX_TASKS = QUICK ? 5_000 : 20_000;
const TARGET_RUN_MS = QUICK ? 1_000 : 4_000;
const LATENCY_SAMPLES = QUICK ? 50 : 300;
const RUN_TIMEOUT_MS = 45_000;
/** Whatever happens, the bench ends after this long. */
const WATCHDOG_MS = 8 * 60_000;
const REDIS = { host: '127.0.0.1', port: 6379 };

const say = (line: string) => {
  process.stderr.write(`  ${line}\n`);
};

const running: { server?: NatsServerHandle } = {};
/** Stops the server (removing its store) and exits; the children die with this process. */
const abort = (code: number, why: string) => {
  process.stderr.write(why);
  const stopped = running.server?.stop() ?? Promise.resolve();
  void Promise.race([stopped, sleep(6_000)]).finally(() => process.exit(code));
};
const watchdog = setTimeout(() => {
  abort(1, `bench/dispatch: still running after ${WATCHDOG_MS} ms; giving up\n`);
}, WATCHDOG_MS);
watchdog.unref();
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    abort(130, `bench/dispatch: ${signal}, stopping\n`);
  });

// Measure

const began = Date.now();
const nats = await startNatsServer();
running.server = nats;
const redis = await redisVersion(REDIS.host, REDIS.port);
const facts = await machineFacts(nats.url, redis);
let raw: RawResult | undefined;
const fleet: {
  variant: string;
  workers: number;
  capacity: number;
  result?: FleetResult;
  error?: string;
}[] = [];
let bullmq: BullmqResult | undefined;
let bullmqError: string | undefined;
const message = (e: unknown) => (e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e));

try {
  if (ONLY.has('raw')) {
    raw = await benchRawJetStream({
      url: nats.url,
      runs: RUNS,
      syncMessages: QUICK ? 2_000 : 5_000,
      pipelinedMessages: QUICK ? 20_000 : 50_000,
      window: 1_000,
      requests: QUICK ? 500 : 2_000,
      say,
    });
  }
  if (ONLY.has('fleet')) {
    for (const variant of VARIANTS)
      for (const workers of WORKERS) {
        const capacity = Math.max(1, Math.floor(CONCURRENCY / workers));
        const entry: (typeof fleet)[number] = { variant: variant.name, workers, capacity };
        fleet.push(entry);
        try {
          entry.result = await benchFleet(
            { workers, capacity },
            {
              url: nats.url,
              natsPid: nats.process.pid ?? -1,
              runs: RUNS,
              minTasks: MIN_TASKS,
              maxTasks: MAX_TASKS,
              targetRunMs: TARGET_RUN_MS,
              latencySamples: LATENCY_SAMPLES,
              runTimeoutMs: RUN_TIMEOUT_MS,
              say,
              workerScript: variant.script,
              noAsyncTraces: NO_ASYNC_TRACES,
            },
          );
        } catch (e) {
          entry.error = message(e);
          say(`fleet ${workers}x${capacity} (${variant.name}) failed: ${entry.error}`);
        }
      }
  }
} finally {
  await nats.stop();
}
if (ONLY.has('bullmq')) {
  if (redis === undefined) bullmqError = `no Redis at ${REDIS.host}:${REDIS.port}`;
  else
    try {
      bullmq = await benchBullmq({
        ...REDIS,
        concurrency: CONCURRENCY,
        runs: RUNS,
        minJobs: MIN_TASKS,
        maxJobs: MAX_TASKS,
        targetRunMs: TARGET_RUN_MS,
        latencySamples: LATENCY_SAMPLES,
        runTimeoutMs: RUN_TIMEOUT_MS,
        say,
      });
    } catch (e) {
      bullmqError = message(e);
      say(`bullmq failed: ${bullmqError}`);
    }
}

// Report

const rates = (r: readonly number[]) => r.map((x) => num(x)).join(' / ');
const out: string[] = [];
out.push('Fleet dispatch benchmark: end to end, side by side, one run');
out.push(
  `machine: ${facts.cpu}, ${facts.cores} cores, node ${facts.node}, ${facts.os}, ` +
    `nats-server ${facts.nats}, redis ${facts.redis}, bullmq ${facts.bullmq}`,
);
out.push(
  `load average (1 min): ${facts.load.toFixed(2)} at start, ${(loadavg()[0] ?? 0).toFixed(2)} at end` +
    ` (other work on the box skews every number)`,
);
out.push(
  `runs: median of ${RUNS} per configuration; Fleet and BullMQ: total concurrency ${CONCURRENCY}, ` +
    `workers in a separate process, producer + dispatcher + registrar in the main process` +
    (NO_ASYNC_TRACES
      ? '; Fleet connections with noAsyncTraces'
      : '; Fleet connections with async traces'),
);
out.push('');

const rows: string[][] = [];
if (raw !== undefined) {
  rows.push([
    'raw JetStream: sync publish (1 in flight)',
    num(raw.syncMessages),
    num(median(raw.syncRates)),
    rates(raw.syncRates),
    ms(raw.syncLatency.p50),
    ms(raw.syncLatency.p99),
    'publish → ack',
  ]);
  rows.push([
    `raw JetStream: pipelined publish (${num(raw.window)} in flight)`,
    num(raw.pipelinedMessages),
    num(median(raw.pipelinedRates)),
    rates(raw.pipelinedRates),
    '—',
    '—',
    `msg/s, ${raw.payloadBytes}-byte messages`,
  ]);
  rows.push([
    'core NATS request/reply (no JetStream)',
    '—',
    '—',
    '',
    ms(raw.requestReply.p50),
    ms(raw.requestReply.p99),
    'round trip',
  ]);
}
for (const f of fleet) {
  const label =
    `Fleet${f.variant === 'SDK' ? '' : ` (${f.variant})`}: ${f.workers} worker${f.workers === 1 ? '' : 's'}` +
    ` × ${f.capacity} slot${f.capacity === 1 ? '' : 's'}`;
  const r = f.result;
  if (r === undefined) rows.push([label, '—', '—', `failed: ${f.error ?? ''}`, '—', '—', '']);
  else
    rows.push([
      label,
      num(r.tasksPerRun),
      num(median(r.rates)),
      rates(r.rates),
      ms(r.latency.p50),
      ms(r.latency.p99),
      `submit → start (clock offset ${ms(r.clock.offsetMs)} ± ${ms(r.clock.uncertaintyMs)})`,
    ]);
}
if (ONLY.has('bullmq')) {
  const label = `BullMQ: 1 Worker × concurrency ${CONCURRENCY}`;
  if (bullmq === undefined)
    rows.push([label, '—', '—', `skipped: ${bullmqError ?? ''}`, '—', '—', '']);
  else
    rows.push([
      label,
      num(bullmq.jobsPerRun),
      num(median(bullmq.rates)),
      rates(bullmq.rates),
      ms(bullmq.latency.p50),
      ms(bullmq.latency.p99),
      `add → start (clock offset ${ms(bullmq.clock.offsetMs)} ± ${ms(bullmq.clock.uncertaintyMs)})`,
    ]);
}
out.push(
  formatTable(
    [
      'system / configuration',
      'tasks/run',
      'tasks/s',
      `runs (tasks/s)`,
      'p50 ms',
      'p99 ms',
      'latency of',
    ],
    rows,
  ),
);

const ok = fleet.filter((f): f is typeof f & { result: FleetResult } => f.result !== undefined);
const column = (f: (typeof fleet)[number]) =>
  `${f.workers}×${f.capacity}${f.variant === 'SDK' ? '' : ` ${f.variant}`}`;
if (ok.length > 0) {
  out.push('');
  const pipelined = raw === undefined ? Number.NaN : median(raw.pipelinedRates);
  const bull = bullmq === undefined ? Number.NaN : median(bullmq.rates);
  const ratios: string[][] = [];
  if (raw !== undefined)
    ratios.push([
      'Fleet ÷ raw pipelined publish',
      ...ok.map((f) => num(median(f.result.rates) / pipelined, 2)),
    ]);
  if (bullmq !== undefined) {
    const b = bullmq;
    ratios.push(
      ['Fleet ÷ BullMQ', ...ok.map((f) => num(median(f.result.rates) / bull, 2))],
      [
        'Fleet p99 submit→start ÷ BullMQ p99 add→start',
        ...ok.map((f) => num(f.result.latency.p99 / b.latency.p99, 2)),
      ],
    );
  }
  if (ratios.length > 0)
    out.push(formatTable(['ratio (median tasks/s)', ...ok.map((f) => column(f))], ratios));

  out.push('');
  out.push("Where Fleet's time goes (all measured runs of each configuration)");
  const p = (f: (typeof ok)[number]) => f.result.profile;
  const pair = (s: { p50: number; p99: number }) => `${ms(s.p50)} / ${ms(s.p99)}`;
  const kinds = ['submit', 'dispatch', 'report'];
  out.push(
    formatTable(
      ['measure', ...ok.map((f) => column(f))],
      [
        ['stored messages per task', ...ok.map((f) => num(p(f).messagesPerTask, 3))],
        ...kinds.map((k) => [
          `  ${k} messages per task (events per message)`,
          ...ok.map(
            (f) =>
              `${num(p(f).messagesPerTaskByKind[k] ?? 0, 3)} (${num(p(f).eventsPerMessageByKind[k] ?? 0, 1)})`,
          ),
        ]),
        ['claim requests per task', ...ok.map((f) => num(p(f).claimsPerTask, 3))],
        ['claim rounds that assigned, per second', ...ok.map((f) => num(p(f).roundsPerSecond, 1))],
        ['assignments per round', ...ok.map((f) => num(p(f).assignmentsPerRound, 1))],
        ['round ms p50 / p99 (mailbox+decide+append+fold)', ...ok.map((f) => pair(p(f).roundMs))],
        ['  decide ms p50 / p99', ...ok.map((f) => pair(p(f).decideMs))],
        ['  dispatcher append ms p50 / p99', ...ok.map((f) => pair(p(f).appendMs))],
        ['fold lag ms p50 / p99 (1 ms resolution)', ...ok.map((f) => pair(p(f).foldLagMs))],
        ['worker: start → report acked ms p50 / p99', ...ok.map((f) => pair(p(f).reportMs))],
        ['worker errors (claim, heartbeat, report)', ...ok.map((f) => num(p(f).workerErrors))],
        [
          'assignments sent to already answered claims (whole configuration)',
          ...ok.map((f) => num(p(f).undelivered)),
        ],
      ],
    ),
  );
  out.push('');
  out.push('Submit → start with idle workers, step by step: p50 / p99 ms (same samples)');
  const b = (f: (typeof ok)[number]) => f.result.breakdown;
  out.push(
    formatTable(
      ['step', ...ok.map((f) => column(f))],
      [
        ['publish → dispatcher folded the submission', ...ok.map((f) => pair(b(f).submitFolded))],
        ['→ claim round posted (setImmediate)', ...ok.map((f) => pair(b(f).roundPosted))],
        ['→ decided, assignment append sent', ...ok.map((f) => pair(b(f).decided))],
        ['→ append acknowledged', ...ok.map((f) => pair(b(f).appended))],
        ['→ own append folded, claim answered', ...ok.map((f) => pair(b(f).ownFold))],
        ['→ worker handler started', ...ok.map((f) => pair(b(f).started))],
        ['total submit → start', ...ok.map((f) => pair(f.result.latency))],
      ],
    ),
  );
  for (const f of ok)
    for (const e of p(f).lastErrors) out.push(`  ${f.workers}×${f.capacity} worker error: ${e}`);
}
const bullCpu = bullmq?.cpuPerKJob; // Cost per task: CPU ms per 1,000 tasks is µs per task.
out.push(
  ...cpuTable([
    ...ok.map((f) => {
      const c = f.result.profile.cpuPerKTask;
      return { system: `Fleet ${column(f)}`, cpu: { ...c, broker: c.nats } };
    }),
    ...(bullCpu === undefined
      ? []
      : [
          { system: 'BullMQ', cpu: { ...bullCpu, workers: bullCpu.worker, broker: bullCpu.redis } },
        ]),
  ]),
);
// For the picture: BullMQ's one Worker and raw publish have no worker count: flat references.
const counts = ok.length > 0 ? ok.map((f) => f.workers) : WORKERS;
const flat = (system: string, rate: number | undefined) =>
  rate === undefined ? [] : counts.map((workers) => ({ system, workers, tasksPerSecond: rate }));
const picture: DispatchResult = {
  at: new Date(began).toISOString(),
  machine: `${facts.cpu}, ${facts.cores} cores, load ${facts.load.toFixed(1)}`,
  throughput: [
    ...ok.map((f) => ({
      system: 'Fleet',
      workers: f.workers,
      tasksPerSecond: median(f.result.rates),
    })),
    ...flat(`BullMQ (1 Worker × ${CONCURRENCY})`, bullmq && median(bullmq.rates)),
    ...flat('raw JetStream publish', raw && median(raw.pipelinedRates)),
  ],
  latency: [
    ...ok.map((f) => ({ system: `Fleet ${column(f)}`, ...f.result.latency })),
    ...(bullmq === undefined ? [] : [{ system: 'BullMQ', ...bullmq.latency }]),
    ...(raw === undefined ? [] : [{ system: 'raw publish → ack', ...raw.syncLatency }]),
  ],
};
await writeResult('dispatch', picture);

out.push('');
out.push(`total ${((Date.now() - began) / 1000).toFixed(1)} s`);
process.stdout.write(`${out.join('\n')}\n`);
clearTimeout(watchdog);
