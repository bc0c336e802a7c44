import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_STREAM, leaseBucket } from '../events/index.ts';
import { spawnFleet } from '../test/support/spawn-fleet.ts';
import type { SpawnedFleet } from '../test/support/spawn-fleet.ts';

const dirs: string[] = [];
const runs: SpawnedFleet[] = [];
afterEach(async () => {
  for (const r of runs.splice(0)) if (r.child.exitCode === null) r.child.kill('SIGKILL');
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** `fleet up` on its own data dir, never on a NATS server it was given. */
const up = async (...args: string[]) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'fleet-up-cluster-'));
  dirs.push(dataDir);
  const run = spawnFleet(['up', '--no-hud', '--data-dir', dataDir, ...args], { NATS_URL: '' });
  runs.push(run);
  return { run, dataDir };
};

describe('fleet up --cluster 3', () => {
  it('runs three clustered servers, the stream and buckets on three replicas, and stops them', async () => {
    const { run, dataDir } = await up('--cluster', '3', '--pools', 'gpu');
    await run.waitFor(/dispatcher of pool gpu: active/);
    await run.waitFor(/fleet is up on/);
    // Lines of the child's stdout arrive in chunks: wait for this one rather than expect it now.
    await run.waitFor(/stream FLEET, subjects fleet\.>, 3 replicas/);
    expect(run.stdout()).toMatch(/stream FLEET, subjects fleet\.>, 3 replicas/);
    for (const n of [1, 2, 3])
      expect(run.stderr()).toContain(`JetStream data in ${join(dataDir, 'cluster', `n${n}`)}`);
    const url = /fleet is up on (\S+)/.exec(run.stdout())?.[1] ?? '';
    expect(url.split(',')).toHaveLength(3);
    const nc = await connect({ servers: url.split(',') });
    try {
      const info = await (await jetstreamManager(nc)).streams.info(DEFAULT_STREAM);
      expect(info.config.num_replicas).toBe(3);
      expect(info.cluster?.replicas).toHaveLength(2);
      const lease = await new Kvm(nc).open(leaseBucket(DEFAULT_STREAM, 'fleet'));
      expect((await lease.status()).replicas).toBe(3);
    } finally {
      await nc.close();
    }
    run.child.kill('SIGTERM');
    expect((await run.exited).code).toBe(0);
    expect(run.stdout()).toMatch(/stopped\n$/);
  });

  it('refuses more replicas than servers, saying so', async () => {
    const { run } = await up('--cluster', '3', '--replicas', '5');
    const { code } = await run.exited;
    expect(code).not.toBe(0);
    expect(run.stderr()).toMatch(/cannot have 5 replicas/);
  });
});
