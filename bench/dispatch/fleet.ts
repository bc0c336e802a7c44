import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import { submitTask, submitTasks } from '../../client/index.ts';
import { PoolId, ProjectId } from '../../events/index.ts';
import { EventLog } from '../../log/index.ts';
import { startDispatcher } from '../../actors/dispatcher/dispatcher.ts';
import { issueKey, startRegistrar } from '../../actors/registrar/index.ts';
import { spawnChild } from './child-link.ts';
import type { ChildLink } from './child-link.ts';
import { sharedClockMs } from './child-io.ts';
import { clockOffset } from './clock-offset.ts';
import type { ClockOffset } from './clock-offset.ts';
import { FleetMeter } from './fleet-meter.ts';
import { fleetProfile } from './fleet-profile.ts';
import type { FleetProfile } from './fleet-profile.ts';
import { sizeRun } from './fleet-setup.ts';
import type { FleetBenchOptions, FleetSetup } from './fleet-setup.ts';
import { completeProbe, latencyBreakdown } from './latency-breakdown.ts';
import type { LatencyBreakdown, Probe } from './latency-breakdown.ts';
import { ownCpuMs, processCpuMs } from './process-cpu.ts';
import { summarize } from './stats.ts';
import type { LatencySummary } from './stats.ts';
import { noopInput } from './submit.ts';

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

/**
 * Fleet end to end for one setup: a dispatcher and a registrar in this process, the workers in
 * a child process, a producer here submitting batches; tasks/s over several runs, then
 * submit → start latency one task at a time with idle workers, then a profile of the runs.
 */
export const benchFleet = async (setup: FleetSetup, o: FleetBenchOptions): Promise<FleetResult> => {
  const id = randomBytes(4).toString('hex');
  const noAsyncTraces = o.noAsyncTraces ?? false;
  const servers = o.url.split(',');
  const actorsNc = await connect({ servers, name: 'bench-fleet-actors', noAsyncTraces });
  const producerNc = await connect({ servers, name: 'bench-fleet-producer', noAsyncTraces });
  const log = await EventLog.open(actorsNc, {
    stream: `BENCH_FLEET_${id}`,
    root: `bf${id}`,
    ...(o.replicas === undefined ? {} : { replicas: o.replicas }),
  });
  const root = log.subjects.root;
  let child: ChildLink | undefined;
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const meter = new FleetMeter(log);
    const registrar = await startRegistrar({ log });
    stops.push(() => registrar.stop());
    const dispatcher = await startDispatcher({ log, pool: POOL });
    stops.push(() => dispatcher.stop());
    meter.watch(dispatcher);

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
      const done = meter.completions(n, o.runTimeoutMs);
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
    meter.measuring = true;
    for (let r = 0; r < o.runs; r += 1) {
      const t = performance.now();
      rates.push(await run(`r${r}${id}`, tasksPerRun));
      runMs += performance.now() - t;
      o.say(
        `fleet ${setup.workers}x${setup.capacity}: run ${r + 1}: ${Math.round(rates[r] ?? 0)} tasks/s`,
      );
    }
    meter.measuring = false;
    const cpu1 = { main: ownCpuMs(), nats: processCpuMs(o.natsPid) };
    const seq1 = await log.lastSeq();
    workers.send({ cmd: 'stats' });
    const stats = await workers.next('stats', 5_000);

    // --- submit → start, one task at a time, idle workers ------------------------------------
    const clock = await clockOffset(workers);
    const latencies: number[] = [];
    const probes: Required<Probe>[] = [];
    for (let i = 0; i < o.latencySamples + 20; i += 1) {
      const done = meter.completions(1, 10_000);
      const p: Probe = {};
      meter.probe = p;
      const t0 = sharedClockMs();
      const ack = submitTask(producerNc, noopInput(PROJECT, POOL, `l${i}${id}`, { t0 }), { root });
      const started = await workers.next('started', 10_000);
      meter.probe = undefined;
      await Promise.all([ack, done]);
      // The first few warm the path up.
      if (i < 20) continue;
      const at = Number(started['at']);
      latencies.push(at - t0);
      const complete = completeProbe({ ...p, t0, at });
      if (complete !== undefined) probes.push(complete);
    }

    const tasks = tasksPerRun * o.runs;
    return {
      setup,
      tasksPerRun,
      rates,
      latency: summarize(latencies),
      breakdown: latencyBreakdown(probes),
      clock,
      profile: fleetProfile(meter, { tasks, runMs, seq0, seq1, cpu0, cpu1, stats }),
    };
  } finally {
    await child?.stop(15_000);
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await log.jsm.streams.delete(log.stream).catch(() => undefined);
    await producerNc.close();
    await actorsNc.close();
  }
};
