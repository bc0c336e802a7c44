import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDispatcher } from '../actors/dispatcher/dispatcher.ts';
import type { Dispatcher } from '../actors/dispatcher/dispatcher.ts';
import { EventLog } from '../log/index.ts';
import { issueKey, startRegistrar } from '../actors/registrar/index.ts';
import type { Registrar } from '../actors/registrar/index.ts';
import { createWorker } from '../actors/worker/index.ts';
import type { Worker, WorkerLifecycleEvent } from '../actors/worker/index.ts';
import { revokeWorker } from '../cli/revoke-worker.ts';
import { submitTask, taskStatus } from '../client/index.ts';
import { decode, relaySubject } from '../events/index.ts';
import type { PoolId, ProjectId } from '../events/index.ts';
import { uniqueName } from '../test/harness/index.ts';
import { credentialAuthority } from './credential-authority.ts';
import { issueProducerCreds } from './issue-creds.ts';
import { signRenewal } from './renewal-proof.ts';
import { startSecureFixture } from './secure-fixture.ts';
import type { SecureFixture } from './secure-fixture.ts';
import { UserCredentials } from './user-credentials.ts';
import { parseCreds, peekUserJwt } from './user-jwt.ts';

const HEALTH = 'health-prod' as ProjectId;
const GPU = 'gpu' as PoolId;
/** Short-lived worker credentials, so a renewal happens within the test. */
const TTL_MS = 4_000;
const BEAT_MS = 200;

interface Started {
  readonly worker: Worker;
  /** The credentials the worker connected with (the test keeps them to probe the server). */
  readonly creds: UserCredentials;
  readonly events: WorkerLifecycleEvent[];
}

describe('secure enrollment: credentials issued, renewed and revoked', () => {
  let fx: SecureFixture;
  let registrar: Registrar;
  let dispatcher: Dispatcher;
  let enrollNc: NatsConnection;
  let producer: NatsConnection;
  const actorErrors: unknown[] = [];
  const workers: Worker[] = [];

  beforeAll(async () => {
    fx = await startSecureFixture({
      root: uniqueName('sec'),
      stream: uniqueName('sec').toUpperCase(),
    });
    const d = { root: fx.root, stream: fx.stream };
    const onError = (e: unknown) => actorErrors.push(e);
    // Each service on its own connection, with its own (scoped) credentials.
    const registrarNc = await fx.connectAs(await fx.auth.serviceCreds('registrar', d));
    const systemNc = await fx.connectAs(await fx.auth.serviceCreds('system'));
    registrar = await startRegistrar({
      log: await EventLog.open(registrarNc, d),
      onError,
      credentials: credentialAuthority({
        material: fx.auth.material,
        root: fx.root,
        workerTtlMs: TTL_MS,
        system: systemNc,
        onAccountJwt: (jwt) => fx.auth.saveAccountJwt(jwt),
      }),
    });
    const dispatcherNc = await fx.connectAs(await fx.auth.serviceCreds('dispatcher', d));
    dispatcher = await startDispatcher({
      log: await EventLog.open(dispatcherNc, d),
      pool: GPU,
      // Generous: a loaded machine may stall a worker’s beats for a while.
      config: { heartbeatMs: BEAT_MS, missedBeats: 8 },
      onError,
    });
    enrollNc = await fx.connectAs(await fx.auth.serviceCreds('enroll', d));
    producer = await fx.connectAs(
      await issueProducerCreds(fx.auth.material, { project: HEALTH, root: fx.root }),
    );
  });
  afterAll(async () => {
    await Promise.allSettled(workers.map((w) => w.kill()));
    await dispatcher.stop();
    await registrar.stop();
    await fx.stop();
  });

  const startWorker = async (): Promise<Started> => {
    const key = await issueKey(fx.log, { project: HEALTH, pool: GPU, models: ['m'] });
    const events: WorkerLifecycleEvent[] = [];
    let creds: UserCredentials | undefined;
    const worker = await createWorker({
      nats: enrollNc,
      key: key.token,
      models: ['m'],
      root: fx.root,
      heartbeatMs: BEAT_MS,
      claimWaitMs: 1_000,
      handler: (task) => Promise.resolve({ output: task.payload }),
      onEvent: (e) => events.push(e),
      connect: (c) => {
        creds = c;
        return fx.connectAs(c, { reconnect: true, maxReconnectAttempts: 2, reconnectTimeWait: 50 });
      },
    });
    workers.push(worker);
    if (creds === undefined) throw new Error('the worker did not connect with its credentials');
    await expect.poll(() => events.some((e) => e.type === 'active'), { timeout: 5_000 }).toBe(true);
    return { worker, creds, events };
  };

  /** Submits a task as the health-prod producer and waits for it to end (status requests only). */
  const runTask = async (taskId: string) => {
    await submitTask(
      producer,
      { taskId, project: HEALTH, pool: GPU, requirements: { models: ['m'] }, payload: { n: 1 } },
      { root: fx.root },
    );
    const status = await taskStatus(
      producer,
      { project: HEALTH, pool: GPU, taskId, waitMs: 10_000 },
      { root: fx.root },
    );
    return status.status;
  };

  const renewal = (creds: UserCredentials, workerId: string, jwt = creds.jwt()) => {
    const at = Date.now();
    return {
      renew: {
        workerId,
        jwt,
        at,
        signature: signRenewal((d) => creds.sign(d), fx.root, workerId, at),
      },
    };
  };

  it('enrolls with a key pair of its own: a JWT for its public key comes back, the seed never travels', async () => {
    const seen: string[] = [];
    const spy = fx.admin.subscribe('>', {
      callback: (_e, m) => {
        seen.push(m.string());
      },
    });
    await fx.admin.flush();
    const { worker, creds } = await startWorker();
    spy.unsubscribe();

    const claims = peekUserJwt(creds.jwt());
    expect(claims.sub).toBe(creds.publicKey);
    // It stores its reports through the gateway, under its own key.
    expect(claims.nats.pub?.allow).toContain(
      relaySubject(fx.root, fx.log.subjects.report(HEALTH, GPU, worker.id), creds.publicKey),
    );
    // The membership records the key the credentials are for.
    const member = await fx.log.jsm.streams.getMessage(fx.stream, {
      last_by_subj: fx.log.subjects.member(HEALTH, GPU, worker.id),
    });
    const decoded = member === null ? undefined : decode(member.subject, member.data, fx);
    expect(decoded?.ok && decoded.value.events[0]?.data).toMatchObject({
      workerId: worker.id,
      publicKey: creds.publicKey,
    });
    // The operator saw the enrollment go by (with the public key), never the seed.
    const { seed } = parseCreds(creds.creds());
    expect(seen.some((m) => m.includes(creds.publicKey))).toBe(true);
    expect(seen.some((m) => m.includes(seed))).toBe(false);

    expect(await runTask('first')).toBe('completed');
  });

  it('renews its credentials before they expire and keeps working past the first expiry', async () => {
    const { worker, creds, events } = await startWorker();
    const firstExpiry = creds.expiresAt ?? 0;
    await expect
      .poll(() => events.find((e) => e.type === 'credentials_renewed'), { timeout: 8_000 })
      .toBeDefined();
    expect(creds.expiresAt).toBeGreaterThan(firstExpiry);
    // Past the first JWT's expiry the server would have cut a connection still using it.
    await expect.poll(() => Date.now() > firstExpiry + 500, { timeout: 8_000 }).toBe(true);
    expect(await runTask('after-renewal')).toBe('completed');
    expect(worker.phase()).toBe('running');
    expect(worker.nats.isClosed()).toBe(false);
    expect(registrar.stats().renewed).toBeGreaterThan(0);
    expect(events.filter((e) => e.type === 'renewal_error')).toEqual([]);
  });

  it('disconnects a revoked worker at the server, refuses its reconnection and its renewal', async () => {
    const { worker, creds } = await startWorker();
    // A second connection with the same credentials, which the worker does not manage.
    const probe = await fx.connectAs(creds);
    const told: string[] = [];
    void (async () => {
      for await (const s of probe.status()) if (s.type === 'error') told.push(s.error.message);
    })();

    await revokeWorker(fx.log, { project: HEALTH, pool: GPU, workerId: worker.id });

    expect(await probe.closed()).toBeInstanceOf(Error);
    expect(told).toContain('User Authentication Revoked');
    await expect(worker.done).rejects.toThrow();
    expect(worker.nats.isClosed()).toBe(true);
    await expect(fx.connectAs(creds)).rejects.toThrow(/Authorization Violation/i);
    expect(await registrar.renew(renewal(creds, worker.id))).toMatchObject({
      refused: { reason: 'worker_revoked' },
    });
    // The revocation is kept for a restart: in the account JWT and the server config.
    const account = peekUserJwt(fx.auth.accountJwt()) as unknown as {
      nats: { revocations?: Record<string, number> };
    };
    expect(account.nats.revocations?.[creds.publicKey]).toBeGreaterThan(0);
  });

  it('refuses to renew a worker its dispatcher declared lost', async () => {
    const { worker, creds } = await startWorker();
    await worker.kill();
    await expect
      .poll(async () => registrar.renew(renewal(creds, worker.id)), { timeout: 5_000 })
      .toMatchObject({ refused: { reason: 'worker_lost' } });
  });

  it('refuses to renew a worker that has left', async () => {
    const { worker, creds } = await startWorker();
    await worker.drain();
    await expect
      .poll(async () => registrar.renew(renewal(creds, worker.id)), { timeout: 5_000 })
      .toMatchObject({ refused: { reason: 'worker_left' } });
  });

  it('refuses enrollments without a public key and renewals without proof', async () => {
    const key = await issueKey(fx.log, { project: HEALTH, pool: GPU });
    expect(await registrar.enroll({ key: key.token })).toMatchObject({
      refused: { reason: 'invalid_request', detail: expect.stringMatching(/publicKey/) as unknown },
    });
    const { worker, creds } = await startWorker();
    const other = UserCredentials.newPair();
    const forged = {
      renew: {
        ...renewal(creds, worker.id).renew,
        signature: signRenewal((d) => other.sign(d), fx.root, worker.id, Date.now()),
      },
    };
    expect(await registrar.renew(forged)).toMatchObject({ refused: { reason: 'bad_proof' } });
    expect(await registrar.renew(renewal(creds, worker.id, 'a.b.c'))).toMatchObject({
      refused: { reason: 'bad_proof' },
    });
    expect(await registrar.renew(renewal(creds, 'wNobody'))).toMatchObject({
      refused: { reason: 'unknown_worker' },
    });
    expect(await registrar.renew(renewal(creds, worker.id))).toMatchObject({
      worker: { workerId: worker.id },
      credentials: { jwt: expect.any(String) as unknown },
    });
    expect(actorErrors).toEqual([]);
  });
});
