import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsCluster, waitForMetaLeader } from './nats-cluster.ts';
import type { NatsCluster } from './nats-cluster.ts';

let cluster: NatsCluster;
beforeAll(async () => {
  cluster = await startNatsCluster({ size: 3, name: 'itest' });
}, 60_000);
afterAll(async () => {
  await cluster.stop();
});

describe('a three-node cluster on loopback', () => {
  it('runs each node on its own ports, store and name, routed into one JetStream', async () => {
    const { nodes } = cluster;
    expect(new Set(nodes.map((n) => n.port)).size).toBe(3);
    expect(new Set(nodes.map((n) => n.clusterPort)).size).toBe(3);
    expect(new Set(nodes.map((n) => n.storeDir)).size).toBe(3);
    expect(nodes.map((n) => n.name)).toEqual(['itest-n1', 'itest-n2', 'itest-n3']);
    expect(cluster.url.split(',')).toEqual(nodes.map((n) => n.url));
    const nc = await connect({ servers: nodes[0]?.url ?? '' });
    try {
      const jsm = await jetstreamManager(nc);
      const info = await jsm.streams.add({ name: 'R3', subjects: ['r3.>'], num_replicas: 3 });
      expect(info.config.num_replicas).toBe(3);
      const placed = info.cluster;
      expect(placed?.name).toBe('itest');
      const peers = [placed?.leader, ...(placed?.replicas ?? []).map((r) => r.name)];
      expect(new Set(peers)).toEqual(new Set(nodes.map((n) => n.name)));
    } finally {
      await nc.close();
    }
  });

  it('keeps a three-replica stream writable and whole through a node killed and restarted', async () => {
    const nc = await connect({
      servers: cluster.urls as string[],
      maxReconnectAttempts: -1,
      reconnectTimeWait: 100,
    });
    try {
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: 'KEPT', subjects: ['kept.>'], num_replicas: 3 });
      const js = jetstream(nc, { timeout: 5_000 });
      await js.publish('kept.a', 'before');
      const victim = cluster.nodes[1];
      if (victim === undefined) throw new Error('no second node');
      await victim.kill();
      expect(victim.server).toBeUndefined();
      // Two of three keep a majority: the stream takes writes (once a new leader is elected).
      await expect
        .poll(
          () =>
            js.publish('kept.a', 'during').then(
              () => true,
              () => false,
            ),
          {
            timeout: 15_000,
          },
        )
        .toBe(true);
      await victim.restart();
      await waitForMetaLeader(victim.url, 15_000);
      // The restarted node catches up: read the stream through it alone.
      const direct = await connect({ servers: victim.url });
      try {
        await expect
          .poll(
            async () => {
              const info = await (await jetstreamManager(direct)).streams.info('KEPT');
              return info.cluster?.replicas?.every((r) => r.current) === true
                ? info.state.messages
                : -1;
            },
            { timeout: 15_000 },
          )
          .toBeGreaterThanOrEqual(2);
      } finally {
        await direct.close();
      }
    } finally {
      await nc.close();
    }
  });
});
