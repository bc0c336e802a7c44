import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ChunkedValues, SPREAD_OVER } from '../log/index.ts';
import { connectTest, uniqueName } from '../test/harness/index.ts';
import {
  DEFAULT_PROJECTION_BUCKET,
  ProjectionCheckpoints,
  projectionBucket,
  serialise,
} from './checkpoints.ts';

const State = z.object({ items: z.array(z.string()) });
let nc: NatsConnection;
const buckets: string[] = [];
const open = async (chunkBytes?: number) => {
  const bucket = uniqueName('cp');
  buckets.push(bucket);
  return {
    bucket,
    store: await ProjectionCheckpoints.open(
      nc,
      bucket,
      chunkBytes === undefined ? {} : { chunkBytes },
    ),
  };
};

beforeAll(async () => {
  nc = await connectTest();
});
afterAll(async () => {
  const kvm = new Kvm(nc);
  for (const b of buckets) await (await kvm.open(b)).destroy().catch(() => undefined);
  await nc.close();
});

const big = { items: Array.from({ length: 500 }, (_, i) => `item-${i}-${'x'.repeat(20)}`) };

describe('projection checkpoints', () => {
  it('round-trips a state larger than one value, in chunks, and the latest save wins', async () => {
    const { store } = await open(1024);
    await store.save('p', serialise({ version: 2, position: 7, origin: 'S@1', state: big }));
    expect(await store.load('p', 2, State)).toEqual({
      version: 2,
      position: 7,
      origin: 'S@1',
      state: big,
    });
    const small = { items: ['a'] };
    await store.save('p', serialise({ version: 2, position: 9, origin: 'S@1', state: small }));
    expect(await store.load('p', 2, State)).toMatchObject({ position: 9, state: small });
    expect(await store.load('missing', 2, State)).toBeUndefined();
  });

  it('ignores an older format, a state its schema refuses, and a torn or corrupt save', async () => {
    const { bucket, store } = await open(1024);
    await store.save('p', serialise({ version: 1, position: 7, origin: 'S@1', state: big }));
    expect(await store.load('p', 2, State)).toBeUndefined();
    await store.save(
      'q',
      serialise({ version: 2, position: 7, origin: 'S@1', state: { items: [1] } }),
    );
    expect(await store.load('q', 2, State)).toBeUndefined();

    await store.save('r', serialise({ version: 2, position: 7, origin: 'S@1', state: big }));
    const kv = await new Kvm(nc).open(bucket);
    const manifest = (await kv.get('r'))?.json<{ slot: string }>();
    await kv.put(`r.${manifest?.slot ?? 'a'}.1`, new TextEncoder().encode('x'.repeat(1024)));
    expect(await store.load('r', 2, State)).toBeUndefined();
    await kv.put('r', '{"slot":"a"');
    expect(await store.load('r', 2, State)).toBeUndefined();
  });

  it('writes a state with large records as JSON lines, and reads one written as a single JSON string', async () => {
    const { bucket, store } = await open(1024);
    const counts = Object.fromEntries(
      Array.from({ length: SPREAD_OVER + 1 }, (_, i) => [`p${i}`, { n: i }]),
    );
    const checkpoint = { version: 1, position: 3, origin: 'S@1', state: { byProject: counts } };
    const Counts = z.object({ byProject: z.record(z.string(), z.object({ n: z.number() })) });
    await store.save('lines', serialise(checkpoint));
    expect(await store.load('lines', 1, Counts)).toEqual(checkpoint);
    const values = await ChunkedValues.open(nc, bucket);
    const text = new TextDecoder().decode(await values.get('lines'));
    expect(text.split('\n').filter((l) => l !== '')).toHaveLength(1 + SPREAD_OVER + 1);

    await store.save('one', new TextEncoder().encode(JSON.stringify(checkpoint)));
    expect(await store.load('one', 1, Counts)).toEqual(checkpoint);
  });

  it('gives each deployment its own bucket, the default one `fleet_projections`', () => {
    expect(projectionBucket('FLEET', 'fleet')).toBe(DEFAULT_PROJECTION_BUCKET);
    expect(projectionBucket('LOAD', 'fleetload')).toBe('fleet_projections_LOAD_fleetload');
  });
});
