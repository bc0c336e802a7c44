import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { spawnChild } from './child-link.ts';
import type { ChildLink } from './child-link.ts';
import { sharedClockMs } from './child-io.ts';
import { clockOffset } from './clock-offset.ts';
import type { ClockOffset } from './clock-offset.ts';
import { ownCpuMs } from './process-cpu.ts';
import { summarize } from './stats.ts';
import type { LatencySummary } from './stats.ts';

/** Options of the BullMQ measurement. */
export interface BullmqBenchOptions {
  readonly host: string;
  readonly port: number;
  readonly concurrency: number;
  readonly runs: number;
  readonly minJobs: number;
  readonly maxJobs: number;
  readonly targetRunMs: number;
  readonly latencySamples: number;
  readonly runTimeoutMs: number;
  readonly say: (line: string) => void;
}

/** What BullMQ measured. */
export interface BullmqResult {
  readonly jobsPerRun: number;
  readonly rates: readonly number[];
  /** add → processor start with an idle worker, ms. */
  readonly latency: LatencySummary;
  readonly clock: ClockOffset;
  readonly cpuPerKJob: { readonly main: number; readonly worker: number; readonly redis: number };
}

const BATCH = 1_000;

/** Redis's CPU time so far (ms), from INFO. */
const redisCpuMs = async (redis: Redis): Promise<number> => {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`${name}:([0-9.]+)`).exec(info)?.[1] ?? NaN);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1000;
};

/**
 * The same workload on BullMQ: no-op jobs added in bulk (1,000 per call, all calls in flight)
 * to a fresh queue, one Worker of concurrency `concurrency` in a child process; add → complete
 * rate over several runs, then add → start latency one job at a time. The queue is obliterated
 * at the end.
 */
export const benchBullmq = async (o: BullmqBenchOptions): Promise<BullmqResult> => {
  const name = `fleet-bench-${process.pid}-${randomBytes(4).toString('hex')}`;
  const connection = new Redis({ host: o.host, port: o.port, maxRetriesPerRequest: null });
  const queue = new Queue(name, { connection });
  let child: ChildLink | undefined;
  try {
    await queue.waitUntilReady();
    const worker = spawnChild('./bullmq-worker.ts', {
      queue: name,
      concurrency: o.concurrency,
      host: o.host,
      port: o.port,
      maxLifeMs: 5 * 60_000,
    });
    child = worker;
    await worker.next('ready', 60_000);

    let total = 0;
    const run = async (n: number): Promise<number> => {
      total += n;
      worker.send({ cmd: 'expect', total });
      const done = worker.next('done', o.runTimeoutMs);
      const t = performance.now();
      const adds: Promise<unknown>[] = [];
      for (let from = 0; from < n; from += BATCH)
        adds.push(
          queue.addBulk(
            Array.from({ length: Math.min(BATCH, n - from) }, (_, i) => ({
              name: 'noop',
              data: { i: from + i },
            })),
          ),
        );
      await Promise.all(adds);
      await done;
      return (n * 1000) / (performance.now() - t);
    };

    const warm = await run(2_000);
    const jobsPerRun = Math.min(
      o.maxJobs,
      Math.max(o.minJobs, Math.ceil((warm * o.targetRunMs) / 1000 / 1000) * 1000),
    );
    worker.send({ cmd: 'stats' });
    await worker.next('stats', 5_000);
    const cpu0 = { main: ownCpuMs(), redis: await redisCpuMs(connection) };
    const rates: number[] = [];
    for (let r = 0; r < o.runs; r += 1) {
      rates.push(await run(jobsPerRun));
      o.say(`bullmq: run ${r + 1}: ${Math.round(rates[r] ?? 0)} jobs/s`);
    }
    const cpu1 = { main: ownCpuMs(), redis: await redisCpuMs(connection) };
    worker.send({ cmd: 'stats' });
    const stats = await worker.next('stats', 5_000);

    const clock = await clockOffset(worker);
    const latencies: number[] = [];
    for (let i = 0; i < o.latencySamples + 20; i += 1) {
      total += 1;
      worker.send({ cmd: 'expect', total });
      const done = worker.next('done', 10_000);
      const t0 = sharedClockMs();
      const added = queue.add('noop', { t0 });
      const started = await worker.next('started', 10_000);
      await Promise.all([added, done]);
      if (i >= 20) latencies.push(Number(started['at']) - t0);
    }

    const jobs = jobsPerRun * o.runs;
    return {
      jobsPerRun,
      rates,
      latency: summarize(latencies),
      clock,
      cpuPerKJob: {
        main: ((cpu1.main - cpu0.main) * 1000) / jobs,
        worker: (Number(stats['cpuMs']) * 1000) / jobs,
        redis: ((cpu1.redis - cpu0.redis) * 1000) / jobs,
      },
    };
  } finally {
    await child?.stop(15_000);
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await connection.quit();
  }
};
