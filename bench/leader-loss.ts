/**
 * JetStream's own floor under Fleet's resume after a server's kill -9 (`npx tsx
 * bench/leader-loss.ts`): on a three-node cluster on 127.0.0.1, a stream and a KV bucket on
 * three replicas, a publisher storing a message every 20 ms and a writer putting a key every
 * 20 ms (each retried at once on failure, 500 ms time-out), then, run after run, kill -9 of the
 * node leading the stream. Per kill: when the first store after the kill was acknowledged, and
 * when the first put was, measured from the kill; and whether the bucket's leader was the same
 * node. No Fleet code runs: this is what any client of the cluster waits for.
 *
 * Flags: --runs=N (default 5). Bounded: a watchdog ends it after 5 minutes.
 */
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { startNatsCluster } from '../infra/nats-cluster.ts';
import { formatTable, median } from './dispatch/index.ts';

const RUNS = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice(7) ?? 5);
const watchdog = setTimeout(() => {
  process.stderr.write('bench/leader-loss: still running after 5 minutes; giving up\n');
  process.exit(1);
}, 5 * 60_000);
watchdog.unref();

const load0 = loadavg()[0] ?? 0;
const cluster = await startNatsCluster({ size: 3, name: 'floor' });
const nc = await connect({
  servers: [...cluster.urls],
  maxReconnectAttempts: -1,
  reconnectTimeWait: 100,
});
// Set up with the client's default time-outs; stored and put with short ones, retried at once.
const jsm = await jetstreamManager(nc);
await jsm.streams.add({ name: 'FLOOR', subjects: ['floor.>'], num_replicas: 3 });
await new Kvm(jetstream(nc)).create('floor', { replicas: 3, history: 1 });
const js = jetstream(nc, { timeout: 500 });
const kv = await new Kvm(js).open('floor');
const leaderOf = async (stream: string) => {
  for (;;) {
    const leader = await jsm.streams
      .info(stream)
      .then((i) => i.cluster?.leader)
      .catch(() => undefined);
    if (leader !== undefined) return leader;
    await sleep(100);
  }
};

/** The times of acknowledged stores and puts. */
const stored: number[] = [];
const put: number[] = [];
const writing = { on: true };
const loop = async (what: number[], write: () => Promise<unknown>) => {
  while (writing.on) {
    try {
      await write();
      what.push(Date.now());
    } catch {
      // No leader yet: again at once.
    }
    await sleep(20);
  }
};
let n = 0;
const loops = [
  loop(stored, () => js.publish('floor.x', String((n += 1)))),
  loop(put, () => kv.put('k', String(n))),
];

const runs: { storeMs: number; putMs: number; kvLeaderKilled: boolean }[] = [];
for (let run = 1; run <= RUNS; run += 1) {
  await sleep(2_000);
  const leader = await leaderOf('FLOOR');
  const kvLeaderKilled = (await leaderOf('KV_floor')) === leader;
  const node = cluster.nodes.find((x) => x.name === leader);
  if (node === undefined) throw new Error(`no node ${leader}`);
  const killed = Date.now();
  await node.kill();
  const after = async (what: number[]) => {
    while (!what.some((t) => t > killed)) await sleep(10);
    return (what.find((t) => t > killed) ?? killed) - killed;
  };
  const [storeMs, putMs] = await Promise.all([after(stored), after(put)]);
  runs.push({ storeMs, putMs, kvLeaderKilled });
  process.stderr.write(
    `  run ${String(run)}: store after ${String(storeMs)} ms, put after ${String(putMs)} ms ` +
      `(load ${(loadavg()[0] ?? 0).toFixed(1)})\n`,
  );
  await node.restart();
  // Back and current before the next kill: its streams must catch up first.
  await sleep(3_000);
}
writing.on = false;
await Promise.all(loops);
const fmt = (ms: number) => (ms / 1000).toFixed(2);
process.stdout.write(
  [
    'Leader loss: kill -9 of the stream leader, three-node cluster, stream and KV bucket R3',
    `load average (1 min): ${load0.toFixed(2)} at start, ${(loadavg()[0] ?? 0).toFixed(2)} at end`,
    '',
    formatTable(
      ['kill', 'first store (s)', 'first KV put (s)', 'KV leader killed too'],
      runs.map((r, i) => [
        String(i + 1),
        fmt(r.storeMs),
        fmt(r.putMs),
        r.kvLeaderKilled ? 'yes' : 'no',
      ]),
    ),
    '',
    `first store after the kill: median ${fmt(median(runs.map((r) => r.storeMs)))} s, ` +
      `worst ${fmt(Math.max(...runs.map((r) => r.storeMs)))} s`,
  ].join('\n') + '\n',
);
await nc.close();
await cluster.stop();
clearTimeout(watchdog);
