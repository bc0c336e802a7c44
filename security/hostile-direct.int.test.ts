import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeMessage } from '../actors/gateway/index.ts';
import { encode } from '../events/index.ts';
import type { PoolId, ProjectId, WorkerId } from '../events/index.ts';
import { uniqueName } from '../test/harness/index.ts';
import { credentialAuthority } from './credential-authority.ts';
import { issueProducerCreds } from './issue-creds.ts';
import { startSecureFixture } from './secure-fixture.ts';
import type { SecureFixture } from './secure-fixture.ts';
import { violations, watchTargets } from './support/hostile-targets.ts';
import { UserCredentials } from './user-credentials.ts';

const ALPHA = 'alpha' as ProjectId;
const GPU = 'gpu' as PoolId;
const W = 'wAlpha1' as WorkerId;

/**
 * Every kind of untrusted credential (worker, producer, the shared enrollment user) tries every
 * hostile subject itself — a JetStream API subject that changes state, another project's
 * subject, another user's inbox — and stores its own messages with each as the reply subject.
 * The server refuses every one of them, and nothing reaches any of those subjects.
 */
describe('hostile credentials: the server refuses every direct attempt', () => {
  let fx: SecureFixture;
  let targets: Set<string>;
  let landed: string[];
  const kinds: { name: string; nc: NatsConnection; seen: string[] }[] = [];

  beforeAll(async () => {
    fx = await startSecureFixture({
      root: uniqueName('hd'),
      stream: uniqueName('hd').toUpperCase(),
    });
    const pair = UserCredentials.newPair();
    const authority = credentialAuthority({ material: fx.auth.material, root: fx.root });
    const { jwt } = await authority.issue({
      workerId: W,
      project: ALPHA,
      pool: GPU,
      publicKey: pair.getPublicKey(),
    });
    const victim = await issueProducerCreds(fx.auth.material, { project: ALPHA, root: fx.root });
    const creds = {
      worker: UserCredentials.of(pair, jwt),
      producer: await issueProducerCreds(fx.auth.material, { project: ALPHA, root: fx.root }),
      enroll: await fx.auth.serviceCreds('enroll', { root: fx.root, stream: fx.stream }),
    };
    for (const [name, c] of Object.entries(creds)) {
      const nc = await fx.connectAs(c);
      kinds.push({ name, nc, seen: violations(nc) });
    }
    ({ targets, landed } = await watchTargets(fx, GPU, victim.publicKey));
  });
  afterAll(async () => {
    await fx.stop();
  });

  it('refuses each credential every state-changing API, foreign subject and foreign inbox', async () => {
    const before = (await fx.log.jsm.streams.info(fx.stream)).state;
    for (const { nc } of kinds) {
      for (const subject of targets) nc.publish(subject, '{"stream":"x","seq":1}');
      await nc.flush();
    }
    for (const { name, seen } of kinds)
      await expect
        .poll(() => [...targets].filter((t) => !seen.includes(t)), {
          timeout: 10_000,
          message: `subjects the server let the ${name} credential publish`,
        })
        .toEqual([]);
    await fx.admin.flush();
    expect(landed).toEqual([]);
    expect((await fx.log.jsm.streams.info(fx.stream)).state).toMatchObject({
      first_seq: before.first_seq,
      last_seq: before.last_seq,
    });
  });

  it('lets no credential store straight to the stream, where the ack would go anywhere', async () => {
    const s = fx.log.subjects;
    const own = {
      worker: s.report(ALPHA, GPU, W),
      producer: s.submit(ALPHA, GPU),
      enroll: s.submit(ALPHA, GPU),
    };
    for (const { name, nc, seen } of kinds) {
      const stored = own[name as keyof typeof own];
      for (const reply of targets) nc.publish(stored, '{}', { reply });
      await nc.flush();
      await expect.poll(() => seen.includes(stored), { timeout: 10_000 }).toBe(true);
    }
    await fx.admin.flush();
    expect(landed).toEqual([]);
    // What they may store goes through the gateway, answered on their own inbox.
    const worker = kinds.find((k) => k.name === 'worker');
    if (worker === undefined) throw new Error('no worker');
    const draining = encode({
      type: 'worker.draining',
      data: { workerId: W, project: ALPHA, pool: GPU },
      meta: { at: Date.now() },
    });
    const seq = await storeMessage(worker.nc, fx.root, s.report(ALPHA, GPU, W), draining);
    expect(seq).toBeGreaterThan(0);
  });
});
