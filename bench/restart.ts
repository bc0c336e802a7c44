/**
 * Restart benchmark (`npm run bench`, or `node --expose-gc --import tsx bench/restart.ts`): how
 * long a dispatcher takes to serve again over a large backlog of queued tasks, and how much
 * memory its state holds per task.
 *
 * On a private nats-server (127.0.0.1, random port, temp store; never the machine's 4222) it
 * submits `--tasks` queued tasks (default 1,000,000) with `submitTasks` (1,000 per message, a
 * small payload each), then:
 *
 * 1. full fold: a dispatcher without a snapshot starts and folds the whole log (time to ready);
 * 2. heap: the memory it holds once ready, per queued task (after a full GC, with --expose-gc),
 *    heap and ArrayBuffers both;
 * 3. snapshot: its stop saves a snapshot (time, size);
 * 4. from snapshot: a dispatcher starts from that snapshot (time to ready), and its heap.
 *
 * Beside each wall time, the CPU time this process spent (user and system): on a shared, loaded
 * machine the wall time is several times what an idle one gives, the CPU time is not.
 *
 * Flags: --tasks=N (default 1000000)
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from '@nats-io/transport-node';
import { startDispatcher } from '../actors/dispatcher/dispatcher.ts';
import { EventLog } from '../log/index.ts';
import { Snapshots } from '../actors/host/index.ts';
import { startNatsServer } from '../infra/nats-server.ts';
import { submitTasks } from '../client/index.ts';
import type { PoolId, ProjectId } from '../events/index.ts';
import { formatTable, num } from './dispatch/format-table.ts';

const flag = (name: string): string | undefined =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const TASKS = Number(flag('tasks') ?? 1_000_000);
const PER_MESSAGE = 1_000;
const ROOT = 'brestart';
const STREAM = 'BENCH_RESTART';
const POOL = 'gpu' as PoolId;
const PROJECT = 'health-prod' as ProjectId;

const gc = (globalThis as { gc?: () => void }).gc;
/**
 * Memory in use after a full collection (without --expose-gc: as it stands): the JS heap plus
 * the ArrayBuffers outside it, where a restored state keeps its columns.
 */
const heap = (): number => {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const seconds = (ms: number): string => (ms / 1000).toFixed(2);
/** CPU time of this process since `from` (user and system), in ms: what the load does not scale. */
const cpuMs = (from: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
};

const main = async () => {
  const server = await startNatsServer();
  const nc = await connect({ servers: server.url, noAsyncTraces: true });
  try {
    const log = await EventLog.open(nc, { root: ROOT, stream: STREAM });
    console.log(`Restart benchmark: private nats-server ${server.url}, ${num(TASKS)} queued tasks`);
    const t0 = performance.now();
    for (let from = 0; from < TASKS; from += PER_MESSAGE * 10)
      await Promise.all(
        Array.from({ length: Math.min(10, Math.ceil((TASKS - from) / PER_MESSAGE)) }, (_, b) => {
          const start = from + b * PER_MESSAGE;
          return submitTasks(
            nc,
            Array.from({ length: Math.min(PER_MESSAGE, TASKS - start) }, (_, i) => ({
              taskId: `t${start + i}`,
              project: PROJECT,
              pool: POOL,
              requirements: { models: ['llama3-70b'] },
              payload: { n: start + i },
            })),
            { root: ROOT },
          );
        }),
      );
    const info = await log.jsm.streams.info(STREAM);
    console.log(
      `submitted in ${seconds(performance.now() - t0)} s: ${num(info.state.messages)} messages, ` +
        `${num(info.state.bytes / 1024 / 1024, 1)} MiB of log`,
    );
    if (gc === undefined) console.log('(no --expose-gc: heap figures include garbage)');

    const snapshots = await Snapshots.open(nc, `bench_restart_${Date.now()}`);
    const rows: string[][] = [];
    const header = ['restart', 'time (s)', 'CPU (s)', 'messages folded', 'memory B/task'];
    /** Starts a dispatcher and measures it to ready; it is stopped and dropped before returning. */
    const measure = async (label: string, save: boolean) => {
      // What a stopped dispatcher let go of is collectable once its last timers have run.
      await sleep(1_000);
      const base = heap();
      let t = performance.now();
      let cpu = process.cpuUsage();
      const d = await startDispatcher({ log, pool: POOL, snapshots });
      const readyMs = performance.now() - t;
      const readyCpu = cpuMs(cpu);
      const held = heap() - base;
      const { folded, restoredFrom } = d.host.stats;
      const from = restoredFrom === undefined ? '' : ` (restored at ${num(restoredFrom)})`;
      rows.push([
        `${label}${from}`,
        seconds(readyMs),
        seconds(readyCpu),
        num(folded),
        num(held / TASKS),
      ]);
      console.log(formatTable(header, rows.slice(-1)).split('\n').at(-1));
      if (save) {
        t = performance.now();
        cpu = process.cpuUsage();
        const saved = await d.host.snapshot();
        const saveMs = performance.now() - t;
        const saveCpu = cpuMs(cpu);
        const kv = await log.jsm.streams.info(`KV_${snapshots.bucket}`);
        const size = `${num(kv.state.bytes / 1024 / 1024, 1)} MiB in KV`;
        rows.push([
          `snapshot save (${saved ? size : 'NOT saved'})`,
          seconds(saveMs),
          seconds(saveCpu),
          '-',
          '-',
        ]);
        console.log(formatTable(header, rows.slice(-1)).split('\n').at(-1));
      }
      await d.stop();
    };
    // The bucket is new: the first start folds the whole log; the second restores the snapshot.
    await measure('full fold to ready', true);
    await measure('from snapshot to ready', false);

    console.log('');
    console.log(formatTable(header, rows));
    console.log('');
    console.log(
      'targets: full fold ≤ 10 s, from snapshot ≤ 1 s, ≤ 250 B of heap per queued task beyond its payload',
    );
  } finally {
    await nc.close();
    await server.stop();
  }
};

await main();
