/**
 * The cluster row of the benchmark (`npm run bench`, or `npx tsx bench/cluster.ts`): Fleet end
 * to end (submit → assign → complete, no-op handlers; see bench/dispatch.ts for the method) on
 * one nats-server with the stream on one replica, and on a three-node cluster on 127.0.0.1
 * with the stream on three replicas, side by side in one run. Every acknowledged append of the
 * R3 stream waits for a second server to store it, so the ratio is what replication costs.
 *
 * Flags: --runs=N  --workers=N  --capacity=N  --quick
 * Everything is bounded (run time-outs, a global watchdog) and stops by itself.
 */
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { startNatsCluster } from '../infra/nats-cluster.ts';
import { startNatsServer } from '../infra/nats-server.ts';
import { benchFleet, formatTable, median, ms, num } from './dispatch/index.ts';
import type { FleetResult } from './dispatch/index.ts';

const flag = (name: string): string | undefined =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const QUICK = process.argv.includes('--quick');
const RUNS = Number(flag('runs') ?? (QUICK ? 1 : 3));
const WORKERS = Number(flag('workers') ?? 10);
const CAPACITY = Number(flag('capacity') ?? 10);
const WATCHDOG_MS = 6 * 60_000;

const say = (line: string) => {
  process.stderr.write(`  ${line}\n`);
};
const stops: (() => Promise<void>)[] = [];
const stopAll = async () => {
  for (const s of stops.splice(0).reverse()) await s().catch(() => undefined);
};
const watchdog = setTimeout(() => {
  process.stderr.write(`bench/cluster: still running after ${WATCHDOG_MS} ms; giving up\n`);
  void Promise.race([stopAll(), sleep(6_000)]).finally(() => process.exit(1));
}, WATCHDOG_MS);
watchdog.unref();

/** One measurement, on servers started for it and stopped after. */
const measure = async (
  what: string,
  start: () => Promise<{ url: string; pid: number; stop: () => Promise<void> }>,
  replicas: number,
): Promise<{ what: string; result?: FleetResult; error?: string }> => {
  say(`${what}: starting`);
  const servers = await start();
  stops.push(servers.stop);
  try {
    const result = await benchFleet(
      { workers: WORKERS, capacity: CAPACITY },
      {
        url: servers.url,
        replicas,
        natsPid: servers.pid,
        runs: RUNS,
        minTasks: QUICK ? 2_000 : 5_000,
        maxTasks: QUICK ? 5_000 : 20_000,
        targetRunMs: QUICK ? 1_000 : 4_000,
        latencySamples: QUICK ? 50 : 300,
        runTimeoutMs: 60_000,
        say,
        noAsyncTraces: true,
      },
    );
    return { what, result };
  } catch (e) {
    const error = e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e);
    say(`${what} failed: ${error}`);
    return { what, error };
  } finally {
    await servers.stop();
  }
};

const began = Date.now();
const load0 = loadavg()[0] ?? 0;
const single = await measure(
  'one server, stream R1',
  async () => {
    const s = await startNatsServer();
    return { url: s.url, pid: s.process.pid ?? -1, stop: () => s.stop() };
  },
  1,
);
const cluster = await measure(
  'three-node cluster, stream R3',
  async () => {
    const c = await startNatsCluster({ size: 3, name: 'bench' });
    return { url: c.url, pid: c.nodes[0]?.server?.process.pid ?? -1, stop: () => c.stop() };
  },
  3,
);

const rows = [single, cluster].map(({ what, result, error }) =>
  result === undefined
    ? [what, '—', '—', `failed: ${error ?? ''}`, '—', '—']
    : [
        what,
        num(result.tasksPerRun),
        num(median(result.rates)),
        result.rates.map((r) => num(r)).join(' / '),
        ms(result.latency.p50),
        ms(result.latency.p99),
      ],
);
const out: string[] = [];
out.push('Fleet on a cluster: end to end, one server beside a three-node cluster, one run');
out.push(
  `load average (1 min): ${load0.toFixed(2)} at start, ${(loadavg()[0] ?? 0).toFixed(2)} at end; ` +
    `${WORKERS} workers × ${CAPACITY} slots in a child process; median of ${RUNS} runs; ` +
    `latency: submit → start with idle workers`,
);
out.push('');
out.push(
  formatTable(
    ['servers / stream', 'tasks/run', 'tasks/s', 'runs (tasks/s)', 'p50 ms', 'p99 ms'],
    rows,
  ),
);
const a = single.result;
const b = cluster.result;
if (a !== undefined && b !== undefined) {
  out.push('');
  out.push(
    `cluster R3 ÷ single R1: tasks/s ${num(median(b.rates) / median(a.rates), 2)}, ` +
      `p99 ${num(b.latency.p99 / a.latency.p99, 2)}`,
  );
}
out.push('');
out.push(`total ${((Date.now() - began) / 1000).toFixed(1)} s`);
process.stdout.write(`${out.join('\n')}\n`);
clearTimeout(watchdog);
