import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDispatcher } from '../actors/dispatcher/dispatcher.ts';
import type { Dispatcher, RequestRefused } from '../actors/dispatcher/dispatcher.ts';
import { EventLog } from '../log/index.ts';
import { Snapshots } from '../actors/host/index.ts';
import { issueKey, startRegistrar } from '../actors/registrar/index.ts';
import type { Registrar } from '../actors/registrar/index.ts';
import { createWorker } from '../actors/worker/index.ts';
import type { Worker, WorkerLifecycleEvent } from '../actors/worker/index.ts';
import { revokeWorker } from '../cli/revoke-worker.ts';
import { awaitTask, submitTask, taskStatus } from '../client/index.ts';
import { requesterKey } from '../actors/gateway/index.ts';
import { inboxPrefix, relaySubject, snapshotBucket } from '../events/index.ts';
import type { PoolId, ProjectId } from '../events/index.ts';
import { uniqueName } from '../test/harness/index.ts';
import { credentialAuthority } from './credential-authority.ts';
import { issueProducerCreds } from './issue-creds.ts';
import { signRenewal } from './renewal-proof.ts';
import { startSecureFixture } from './secure-fixture.ts';
import { watchTargets } from './support/hostile-targets.ts';
import type { SecureFixture } from './secure-fixture.ts';
import type { UserCredentials } from './user-credentials.ts';

const ALPHA = 'alpha' as ProjectId;
const BETA = 'beta' as ProjectId;
const GPU = 'gpu' as PoolId;
const WAIT = { timeout: 10_000 };

/**
 * The attack of the secure-mode finding, from every kind of credential against every request
 * a Fleet service answers: a reply subject that names a JetStream API subject, another
 * project's subject or another user's inbox. The service must answer nobody, record why, and
 * nothing may appear on any of those subjects; the stream keeps every message.
 */
describe('hostile replies: a service answers only the requester’s own inbox', () => {
  let fx: SecureFixture;
  let registrar: Registrar;
  let dispatcher: Dispatcher;
  let enrollNc: NatsConnection;
  let beta: NatsConnection;
  let alphaProducer: NatsConnection;
  let victim: UserCredentials;
  let worker: Worker;
  let workerCreds: UserCredentials;
  let workerNc: NatsConnection;
  const refused: RequestRefused[] = [];
  const registrarRefused: string[] = [];
  const actorErrors: unknown[] = [];
  /** Every message seen on a subject a hostile reply named (the operator listens to `>`). */
  let landed: string[];
  let targets: Set<string>;

  beforeAll(async () => {
    fx = await startSecureFixture({
      root: uniqueName('hr'),
      stream: uniqueName('hr').toUpperCase(),
    });
    const d = { root: fx.root, stream: fx.stream };
    const onError = (e: unknown) => actorErrors.push(e);
    const enrollCreds = await fx.auth.serviceCreds('enroll', d);
    registrar = await startRegistrar({
      log: await EventLog.open(await fx.connectAs(await fx.auth.serviceCreds('registrar', d)), d),
      onError,
      credentials: credentialAuthority({
        material: fx.auth.material,
        root: fx.root,
        system: await fx.connectAs(await fx.auth.serviceCreds('system')),
        onAccountJwt: (jwt) => fx.auth.saveAccountJwt(jwt),
      }),
      enrollPublicKey: enrollCreds.publicKey,
      onRefused: (r) => registrarRefused.push(r.detail),
    });
    const dispatcherNc = await fx.connectAs(await fx.auth.serviceCreds('dispatcher', d));
    dispatcher = await startDispatcher({
      log: await EventLog.open(dispatcherNc, d),
      pool: GPU,
      snapshots: await Snapshots.open(dispatcherNc, snapshotBucket(fx.stream, fx.root)),
      onError,
      onRefused: (r) => refused.push(r),
    });
    enrollNc = await fx.connectAs(enrollCreds);
    beta = await fx.connectAs(
      await issueProducerCreds(fx.auth.material, { project: BETA, root: fx.root }),
    );
    alphaProducer = await fx.connectAs(
      await issueProducerCreds(fx.auth.material, { project: ALPHA, root: fx.root }),
    );
    victim = await issueProducerCreds(fx.auth.material, { project: ALPHA, root: fx.root });
    ({ worker, creds: workerCreds, nc: workerNc } = await startWorker());
    ({ targets, landed } = await watchTargets(fx, GPU, victim.publicKey));
  });
  afterAll(async () => {
    await worker.kill().catch(() => undefined);
    await dispatcher.stop();
    await registrar.stop();
    await fx.stop();
  });

  async function startWorker() {
    const key = await issueKey(fx.log, { project: ALPHA, pool: GPU, models: ['m'] });
    let active: () => void = () => undefined;
    const isActive = new Promise<void>((resolve) => {
      active = resolve;
    });
    let creds: UserCredentials | undefined;
    let nc: NatsConnection | undefined;
    const w = await createWorker({
      nats: enrollNc,
      key: key.token,
      models: ['m'],
      root: fx.root,
      claimWaitMs: 1_000,
      handler: (task) => Promise.resolve({ output: task.payload }),
      onEvent: (e: WorkerLifecycleEvent) => {
        if (e.type === 'active') active();
      },
      connect: async (c) => {
        creds = c;
        nc = await fx.connectAs(c, { reconnect: true, maxReconnectAttempts: 2 });
        return nc;
      },
    });
    if (creds === undefined || nc === undefined) throw new Error('no worker credentials');
    await isActive;
    return { worker: w, creds, nc };
  }

  /** Publishes `body` on `subject` once per target reply, then flushes: the server has them. */
  const attack = async (nc: NatsConnection, subject: string, body: unknown) => {
    for (const reply of targets) nc.publish(subject, JSON.stringify(body), { reply });
    await nc.flush();
  };
  /** The stream as the operator sees it: its first and last sequence, its message count. */
  const streamState = async () => (await fx.log.jsm.streams.info(fx.stream)).state;

  it('answers none of them, records each refusal, and keeps every message', async () => {
    const before = await streamState();
    const s = fx.log.subjects;
    const ownStatus = s.status(BETA, GPU, keyOf(beta));
    // status (producer), claim and heartbeat (worker), enrollment (shared enrollment user) and
    // renewal (worker): each with every hostile reply subject.
    await attack(beta, ownStatus, { taskId: 't1', waitMs: 1_000 });
    await attack(workerNc, s.claim(ALPHA, GPU, worker.id), { max: 1, waitMs: 1_000 });
    await attack(workerNc, s.heartbeat(ALPHA, GPU, worker.id), { attempts: [] });
    await attack(enrollNc, s.enroll(), { key: 'fk_kNope_secret', models: ['m'] });
    const at = Date.now();
    await attack(workerNc, s.enroll(), {
      renew: {
        workerId: worker.id,
        jwt: workerCreds.jwt(),
        at,
        signature: signRenewal((b) => workerCreds.sign(b), fx.root, worker.id, at),
      },
    });
    // Stores through the gateway (submit, cancel: producer; report: worker): JetStream would
    // acknowledge on the reply subject, so the gateway passes nothing on to a foreign one.
    const submission = {
      type: 'task.submitted',
      data: { taskId: 'evil', project: BETA, pool: GPU, requirements: { models: ['m'] } },
      meta: { at: Date.now() },
    };
    const relay = (nc: NatsConnection, stored: string) => relaySubject(fx.root, stored, keyOf(nc));
    await attack(beta, relay(beta, s.submit(BETA, GPU)), submission);
    await attack(beta, relay(beta, s.cancel(BETA, GPU)), {
      type: 'task.cancelled',
      data: { taskId: 'evil', project: BETA, pool: GPU },
      meta: { at: Date.now() },
    });
    await attack(workerNc, relay(workerNc, s.report(ALPHA, GPU, worker.id)), {
      type: 'worker.draining',
      data: { workerId: worker.id, project: ALPHA, pool: GPU },
      meta: { at: Date.now() },
    });
    // Sentinels, one per service and credential: answered on their own inboxes, after the
    // hostile requests (one connection's messages arrive in order). One stores a message.
    const sentinel = await submitTask(
      beta,
      { taskId: 'sentinel', project: BETA, pool: GPU, requirements: { models: ['m'] } },
      { root: fx.root },
    );
    await expect(
      taskStatus(beta, { project: BETA, pool: GPU, taskId: 'sentinel' }, { root: fx.root }),
    ).resolves.toMatchObject({ status: 'queued' });
    await workerNc.request(s.heartbeat(ALPHA, GPU, worker.id), '{"attempts":[]}', WAIT);
    await enrollNc.request(s.enroll(), '{}', WAIT);
    await fx.admin.flush();

    const n = targets.size;
    expect(landed).toEqual([]);
    expect(dispatcher.refusals()).toMatchObject({
      'status:bad_reply': n,
      'claim:bad_reply': n,
      'hb:bad_reply': n,
    });
    expect(registrar.stats().badReplies).toBe(2 * n);
    expect(fx.gateway.stats().refused).toEqual({ bad_reply: 3 * n });
    expect(registrarRefused).toHaveLength(2 * n);
    expect(refused.map((r) => r.kind).sort()).toEqual(
      [
        ...Array<string>(n).fill('claim'),
        ...Array<string>(n).fill('hb'),
        ...Array<string>(n).fill('status'),
      ].sort(),
    );
    const after = await streamState();
    expect(after.first_seq).toBe(before.first_seq);
    expect(after.messages).toBe(after.last_seq - after.first_seq + 1);
    // Only the sentinel was stored: none of the hostile stores, and nothing was removed.
    expect(after.last_seq).toBe(before.last_seq + 1);
    expect(sentinel.seq).toBe(after.last_seq);
    expect(actorErrors).toEqual([]);
  });

  it('keeps working for every tenant after the attack', async () => {
    const ref = { project: ALPHA, pool: GPU, taskId: 'after-attack' };
    await submitTask(
      alphaProducer,
      { ...ref, requirements: { models: ['m'] }, payload: { ok: 1 } },
      { root: fx.root },
    );
    const outcome = await awaitTask(
      alphaProducer,
      { ...ref, timeoutMs: 10_000 },
      { root: fx.root },
    );
    expect(outcome).toMatchObject({ status: 'completed', output: { ok: 1 } });
  });

  it('the enrollment answer is sealed: another host on the enrollment user reads nothing', async () => {
    const seen: string[] = [];
    // Another host holding the shared enrollment credentials listens to the whole inbox.
    const other = await fx.connectAs(
      await fx.auth.serviceCreds('enroll', { root: fx.root, stream: fx.stream }),
    );
    other.subscribe(`${inboxPrefix(keyOf(enrollNc))}.>`, {
      callback: (_e, m) => {
        seen.push(m.string());
      },
    });
    await other.flush();
    const { worker: second } = await startWorker();
    await other.flush();
    expect(seen.length).toBeGreaterThan(0);
    for (const text of seen) {
      expect(text).not.toMatch(/"credentials"|"jwt"|"labels"/);
      expect(JSON.parse(text)).toHaveProperty('sealed');
    }
    await second.kill();
  });

  it('a revoked worker is cut off and cannot even connect again', async () => {
    const { worker: doomed, creds } = await startWorker();
    await revokeWorker(fx.log, { project: ALPHA, pool: GPU, workerId: doomed.id });
    await expect
      .poll(
        () =>
          fx.connectAs(creds).then(
            () => 'connected',
            (e: unknown) => String(e),
          ),
        WAIT,
      )
      .toMatch(/Authorization Violation/);
    await doomed.kill().catch(() => undefined);
  });
});

/** The user key of a connection's own inbox prefix. */
const keyOf = (nc: NatsConnection): string => {
  const key = requesterKey(nc);
  if (key === undefined) throw new Error('the connection has no inbox of its own');
  return key;
};
