import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCaptured } from '../cli/run-captured.ts';
import { submitTask } from '../client/index.ts';
import { relaySubject } from '../events/index.ts';
import type { PoolId, ProjectId } from '../events/index.ts';
import { uniqueName } from '../test/harness/index.ts';
import { issueProducerCreds } from './issue-creds.ts';
import { startSecureFixture } from './secure-fixture.ts';
import type { SecureFixture } from './secure-fixture.ts';

const HEALTH = 'health-prod' as ProjectId;
const GPU = 'gpu' as PoolId;

describe('fleet gateway', () => {
  let fx: SecureFixture;
  beforeAll(async () => {
    fx = await startSecureFixture({
      root: uniqueName('gw'),
      stream: uniqueName('gw').toUpperCase(),
    });
    // The fixture's own gateway steps aside: the command's is the only one.
    await fx.gateway.stop();
  });
  afterAll(async () => {
    await fx.stop();
  });

  it('stores a producer’s submission on the gateway creds, refuses a foreign reply, stops on a signal', async () => {
    const creds = await fx.auth.serviceCreds('gateway', { root: fx.root, stream: fx.stream });
    const stop = new AbortController();
    const run = runCaptured(
      [
        '--nats',
        fx.server.url,
        '--root',
        fx.root,
        '--stream',
        fx.stream,
        '--creds',
        fx.auth.credsPath('gateway'),
        'gateway',
      ],
      { signal: stop.signal },
    );
    await expect.poll(() => run.stdout(), { timeout: 15_000 }).toMatch(/gateway running on /);
    expect(creds.publicKey).toMatch(/^U/);

    const producerCreds = await issueProducerCreds(fx.auth.material, {
      project: HEALTH,
      root: fx.root,
    });
    const producer = await fx.connectAs(producerCreds);
    const task = { taskId: 't1', project: HEALTH, pool: GPU, requirements: { models: ['m'] } };
    const { seq } = await submitTask(producer, task, { root: fx.root });
    expect(seq).toBeGreaterThan(0);

    // The same store with the stream's purge API as its reply: nobody is answered, it is told.
    const relay = relaySubject(
      fx.root,
      fx.log.subjects.submit(HEALTH, GPU),
      producerCreds.publicKey,
    );
    producer.publish(relay, '{}', { reply: `$JS.API.STREAM.PURGE.${fx.stream}` });
    await producer.flush();
    await expect
      .poll(() => run.stderr(), { timeout: 10_000 })
      .toMatch(/gateway: refused a store request on .*not under _INBOX\./);
    expect((await fx.log.jsm.streams.info(fx.stream)).state).toMatchObject({
      first_seq: 1,
      last_seq: seq,
    });

    stop.abort();
    expect(await run.done).toBe(0);
    expect(run.stdout()).toMatch(/stopping the gateway \(1 stored since start\)/);
  });
});
