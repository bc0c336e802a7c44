import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../events/index.ts';
import { startNatsCluster } from '../infra/nats-cluster.ts';
import type { NatsCluster } from '../infra/nats-cluster.ts';
import { connectTest, uniqueName } from '../test/harness/index.ts';
import { ChunkedValues } from './chunked-values.ts';
import { EventLog } from './event-log.ts';

let cluster: NatsCluster;
let nc: NatsConnection;
beforeAll(async () => {
  cluster = await startNatsCluster({ size: 3, name: 'replicas' });
  nc = await connect({ servers: cluster.urls as string[] });
}, 60_000);
afterAll(async () => {
  await nc.close();
  await cluster.stop();
});
const location = () => ({ stream: uniqueName('r').toUpperCase(), root: uniqueName('r') });

describe('the stream’s replicas', () => {
  it('are created as asked on a cluster, and the buckets made for it follow', async () => {
    const log = await EventLog.open(nc, { ...location(), replicas: 3 });
    expect(log.replicas).toBe(3);
    expect((await log.jsm.streams.info(log.stream)).config.num_replicas).toBe(3);
    const bucket = uniqueName('b');
    await ChunkedValues.open(nc, bucket, { replicas: log.replicas });
    expect((await (await new Kvm(nc).open(bucket)).status()).replicas).toBe(3);
    // Another command opening the log learns the replicas from the stream.
    expect(
      (await EventLog.open(nc, { stream: log.stream, root: log.subjects.root })).replicas,
    ).toBe(3);
  });

  it('scale an existing stream when asked for another count', async () => {
    const where = location();
    expect((await EventLog.open(nc, where)).replicas).toBe(1);
    const scaled = await EventLog.open(nc, { ...where, replicas: 3 });
    expect(scaled.replicas).toBe(3);
    expect((await scaled.jsm.streams.info(where.stream)).config.num_replicas).toBe(3);
  });

  it('beyond the cluster’s size are refused with a clear error, creating nothing', async () => {
    const where = location();
    const opening = EventLog.open(nc, { ...where, replicas: 5 });
    await expect(opening).rejects.toBeInstanceOf(InvalidInputError);
    await expect(opening).rejects.toThrow(/cannot have 5 replicas/);
    const log = await EventLog.open(nc, where);
    expect(log.replicas).toBe(1);
  });

  it('beyond one on a single server are refused with the same error', async () => {
    const single = await connectTest();
    try {
      await expect(EventLog.open(single, { ...location(), replicas: 3 })).rejects.toThrow(
        /cannot have 3 replicas/,
      );
    } finally {
      await single.close();
    }
  });
});
