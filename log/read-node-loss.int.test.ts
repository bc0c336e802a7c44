import { setTimeout as sleep } from 'node:timers/promises';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsCluster } from '../infra/nats-cluster.ts';
import type { NatsCluster } from '../infra/nats-cluster.ts';
import { openRead } from './stream-read.ts';
import type { Heal } from './stream-read.ts';

// kill -9 of the cluster node that holds a read's consumer, while the reader is connected to
// another node: nothing tells the reader (no disconnect), its pull is simply gone. The read hears
// no idle heartbeat and reopens; the stall check, which would also find it, is kept out of reach.

let cluster: NatsCluster;
const connections: NatsConnection[] = [];
beforeAll(async () => {
  cluster = await startNatsCluster({ size: 3, name: 'readloss' });
}, 60_000);
afterAll(async () => {
  for (const nc of connections) await nc.close().catch(() => undefined);
  await cluster.stop();
});
const open = async (servers: string[]) => {
  const nc = await connect({
    servers,
    noRandomize: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 100,
  });
  connections.push(nc);
  return nc;
};

describe('a read whose consumer’s server dies', () => {
  it('hears no heartbeat, reopens on another, and delivers what is stored next', async () => {
    const writer = await open([...cluster.urls]);
    const jsm = await jetstreamManager(writer, { timeout: 2_000 });
    const js = jetstream(writer, { timeout: 2_000 });
    await jsm.streams.add({ name: 'LOSS', subjects: ['loss.>'], num_replicas: 3 });
    await js.publish('loss.a', 'first');
    // The reader pulls through one node; the read is opened until its consumer is held by
    // another (placement is the cluster's choice), which dies.
    const readerNode = cluster.nodes[0];
    if (readerNode === undefined) throw new Error('no node');
    const reader = await open([readerNode.url]);
    const readerJsm = await jetstreamManager(reader, { timeout: 2_000 });
    const seen: string[] = [];
    const heals: Heal[] = [];
    const start = () =>
      openRead(
        reader,
        readerJsm,
        'LOSS',
        'loss.>',
        { seq: 1 },
        (item) => seen.push(new TextDecoder().decode(item.data)),
        { stallCheckMs: 600_000, onHeal: (h) => heals.push(h) },
      );
    const hostOf = async () => (await jsm.consumers.list('LOSS').next())[0]?.cluster?.leader;
    let read = await start();
    for (let i = 0; i < 20 && (await hostOf()) === readerNode.name; i += 1) {
      await read.stop();
      seen.length = 0;
      read = await start();
    }
    await expect.poll(() => seen).toEqual(['first']);
    const host = await hostOf();
    const doomed = cluster.nodes.find((n) => n.name === host && n !== readerNode);
    if (doomed === undefined) throw new Error(`the consumer is held by ${String(host)}`);
    await doomed.kill();
    // Stored once the stream has a leader again.
    for (;;) {
      const ok = await js.publish('loss.b', 'second').then(
        () => true,
        () => false,
      );
      if (ok) break;
      await sleep(200);
    }
    await expect.poll(() => seen, { timeout: 30_000 }).toEqual(['first', 'second']);
    expect(heals).toMatchObject([{ reason: 'consumer_lost', from: 2 }]);
    expect(heals[0]?.detail).toMatch(/no word from its server/);
    await read.stop();
    await doomed.restart();
  }, 60_000);
});
