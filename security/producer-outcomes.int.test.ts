import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDispatcher } from '../actors/dispatcher/dispatcher.ts';
import type { Dispatcher } from '../actors/dispatcher/dispatcher.ts';
import { EventLog } from '../log/index.ts';
import { issueKey, startRegistrar } from '../actors/registrar/index.ts';
import type { Registrar } from '../actors/registrar/index.ts';
import { createWorker, TaskError } from '../actors/worker/index.ts';
import type { Worker, WorkerLifecycleEvent } from '../actors/worker/index.ts';
import { awaitTask, submitTask, taskStatus } from '../client/index.ts';
import { RefusedError } from '../events/index.ts';
import type { PoolId, ProjectId, WorkerId } from '../events/index.ts';
import { uniqueName } from '../test/harness/index.ts';
import { credentialAuthority } from './credential-authority.ts';
import { issueProducerCreds } from './issue-creds.ts';
import { startSecureFixture } from './secure-fixture.ts';
import type { SecureFixture } from './secure-fixture.ts';

const HEALTH = 'health-prod' as ProjectId;
const FIN = 'fin-prod' as ProjectId;
const GPU = 'gpu' as PoolId;
/** A pool whose dispatcher keeps status replies small, so a report does not fit. */
const TINY = 'tiny' as PoolId;
const MAX_REPLY_BYTES = 1_000;
const WAIT = { timeoutMs: 15_000 };

describe('producers read their own tasks’ outcomes through the dispatcher, without stream API', () => {
  let fx: SecureFixture;
  let registrar: Registrar;
  const dispatchers: Dispatcher[] = [];
  const workers: Worker[] = [];
  let health: NatsConnection;
  let fin: NatsConnection;
  const actorErrors: unknown[] = [];
  let where: { root: string; stream: string };

  /** Output: the payload; `{ fail: code }` fails for good with that code. */
  const handler = (task: { payload: unknown }) => {
    const p = task.payload as { fail?: string };
    if (p.fail !== undefined)
      return Promise.reject(new TaskError('it broke', { code: p.fail, retryable: false }));
    return Promise.resolve({ output: task.payload as never, usage: { tokensIn: 3, tokensOut: 5 } });
  };

  /** Enrolls a worker on the shared enrollment user; resolves once its dispatcher knows it. */
  const startWorker = async (project: ProjectId, pool: PoolId) => {
    const enroll = await fx.connectAs(await fx.auth.serviceCreds('enroll', where));
    const key = await issueKey(fx.log, { project, pool });
    let activated = () => {};
    const active = new Promise<void>((resolve) => (activated = resolve));
    const worker = await createWorker({
      nats: enroll,
      key: key.token,
      root: fx.root,
      claimWaitMs: 1_000,
      handler,
      onEvent: (e: WorkerLifecycleEvent) => {
        if (e.type === 'active') activated();
      },
      connect: (c) => fx.connectAs(c, { reconnect: true }),
    });
    workers.push(worker);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`worker of ${project}/${pool} not active`)),
        15_000,
      );
    });
    await Promise.race([active, late]).finally(() => clearTimeout(timer));
  };

  beforeAll(async () => {
    fx = await startSecureFixture({
      root: uniqueName('out'),
      stream: uniqueName('out').toUpperCase(),
    });
    where = { root: fx.root, stream: fx.stream };
    const onError = (e: unknown) => actorErrors.push(e);
    const as = async (role: 'registrar' | 'dispatcher' | 'system') =>
      fx.connectAs(await fx.auth.serviceCreds(role, where));
    registrar = await startRegistrar({
      log: await EventLog.open(await as('registrar'), where),
      onError,
      credentials: credentialAuthority({
        material: fx.auth.material,
        root: fx.root,
        system: await as('system'),
      }),
    });
    const dispatcherLog = await EventLog.open(await as('dispatcher'), where);
    dispatchers.push(await startDispatcher({ log: dispatcherLog, pool: GPU, onError }));
    dispatchers.push(
      await startDispatcher({
        log: dispatcherLog,
        pool: TINY,
        onError,
        maxReplyBytes: MAX_REPLY_BYTES,
      }),
    );
    await startWorker(HEALTH, GPU);
    await startWorker(FIN, GPU);
    await startWorker(HEALTH, TINY);
    health = await fx.connectAs(
      await issueProducerCreds(fx.auth.material, { project: HEALTH, root: fx.root }),
    );
    fin = await fx.connectAs(
      await issueProducerCreds(fx.auth.material, { project: FIN, root: fx.root }),
    );
  });
  afterAll(async () => {
    await Promise.allSettled(workers.map((w) => w.kill()));
    for (const d of dispatchers) await d.stop();
    await registrar.stop();
    await fx.stop();
  });

  const submit = (nc: NatsConnection, project: ProjectId, pool: PoolId, payload: unknown) =>
    submitTask(nc, { project, pool, requirements: {}, payload: payload as never }, where);

  it('has a producer with no JetStream API at all', async () => {
    await expect(jetstreamManager(health)).rejects.toThrow(/Permissions Violation/);
  });

  it('gives a producer its completed task’s output and usage (awaitTask)', async () => {
    const { taskId } = await submit(health, HEALTH, GPU, { question: 'health?' });
    const outcome = await awaitTask(health, { project: HEALTH, pool: GPU, taskId, ...WAIT }, where);
    expect(outcome).toMatchObject({
      status: 'completed',
      attempts: 1,
      output: { question: 'health?' },
      usage: { tokensIn: 3, tokensOut: 5 },
    });
    expect(outcome.reportOmitted).toBeUndefined();
  });

  it('gives a producer its failed task’s error', async () => {
    const { taskId } = await submit(health, HEALTH, GPU, { fail: 'bad_input' });
    const outcome = await awaitTask(health, { project: HEALTH, pool: GPU, taskId, ...WAIT }, where);
    expect(outcome).toMatchObject({
      status: 'failed',
      error: { message: 'it broke', code: 'bad_input' },
    });
    expect(outcome.output).toBeUndefined();
  });

  it('answers a status request with its own project’s report only, for one task id in two projects', async () => {
    const task = { pool: GPU, requirements: {}, taskId: 'shared-id' };
    await submitTask(health, { ...task, project: HEALTH, payload: { owner: 'health' } }, where);
    await submitTask(fin, { ...task, project: FIN, payload: { owner: 'fin' } }, where);
    const ask = (nc: NatsConnection, project: ProjectId) =>
      taskStatus(
        nc,
        { project, pool: GPU, taskId: 'shared-id', waitMs: 10_000, withReport: true },
        where,
      );
    const [h, f] = await Promise.all([ask(health, HEALTH), ask(fin, FIN)]);
    expect(h).toMatchObject({
      project: HEALTH,
      status: 'completed',
      report: { output: { owner: 'health' } },
    });
    expect(f).toMatchObject({
      project: FIN,
      status: 'completed',
      report: { output: { owner: 'fin' } },
    });
    expect(h.endedSeq).not.toBe(f.endedSeq);
    // The other project's status subject is closed to the producer by the server itself.
    const refused = await ask(health, FIN).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RefusedError);
    expect(refused).toMatchObject({
      reason: 'permission_denied',
      message: expect.stringContaining(
        `Permissions Violation for Publish to "${fx.root}_rpc.${FIN}.${GPU}.status.U`,
      ) as string,
    });
    // An operator asking about the task in a project where it does not exist gets no report.
    const unknown = await taskStatus(
      fx.admin,
      { project: 'other-prod', pool: GPU, taskId: 'shared-id', withReport: true },
      where,
    );
    expect(unknown).toEqual({
      taskId: 'shared-id',
      project: 'other-prod',
      pool: GPU,
      status: 'unknown',
      attempts: 0,
      // The same words for any id it does not know: nothing about another project's task.
      reason: expect.stringMatching(/^not known to the dispatcher: never submitted/) as string,
    });
  });

  it('says so when the report does not fit in a reply; an operator reads it from the stream', async () => {
    const big = 'x'.repeat(MAX_REPLY_BYTES * 2);
    const { taskId } = await submit(health, HEALTH, TINY, { big });
    const ref = { project: HEALTH, pool: TINY, taskId };
    const reply = await taskStatus(health, { ...ref, waitMs: 10_000, withReport: true }, where);
    expect(reply).toMatchObject({ status: 'completed', reportOmitted: 'too_large' });
    expect(reply.report).toBeUndefined();
    const forProducer = await awaitTask(health, { ...ref, ...WAIT }, where);
    expect(forProducer).toMatchObject({ status: 'completed', reportOmitted: 'too_large' });
    expect(forProducer.output).toBeUndefined();
    const forOperator = await awaitTask(fx.admin, { ...ref, ...WAIT }, where);
    expect(forOperator).toMatchObject({ status: 'completed', output: { big } });
    expect(forOperator.reportOmitted).toBeUndefined();
    // A small report still fits.
    const small = await submit(health, HEALTH, TINY, { small: true });
    const fits = await awaitTask(health, { ...ref, taskId: small.taskId, ...WAIT }, where);
    expect(fits).toMatchObject({ status: 'completed', output: { small: true } });
  });

  it('falls back to reading the stream when a dispatcher older than withReport refuses it', async () => {
    // A stored report, and a stand-in for an old dispatcher of pool "legacy" that points at it.
    const legacy = 'legacy' as PoolId;
    const old = 'wOld' as WorkerId;
    const stored = await fx.log.append(fx.log.subjects.report(HEALTH, legacy, old), {
      type: 'task.completed',
      data: {
        taskId: 'old-1',
        project: HEALTH,
        pool: legacy,
        workerId: old,
        attempt: 1,
        output: 'from the stream',
      },
      meta: { at: Date.now() },
    });
    const bodies: unknown[] = [];
    // The producer asks on its own status subject (`….status.<its key>`).
    const sub = fx.admin.subscribe(fx.log.subjects.status(HEALTH, legacy, '*'), {
      callback: (_e, m) => {
        const body = m.json<Record<string, unknown>>();
        bodies.push(body);
        m.respond(
          JSON.stringify(
            'withReport' in body
              ? { error: 'a status request is {"taskId", "waitMs"}', code: 'schema_invalid' }
              : {
                  taskId: 'old-1',
                  project: HEALTH,
                  pool: legacy,
                  status: 'completed',
                  attempts: 1,
                  endedSeq: stored.seq,
                },
          ),
        );
      },
    });
    await fx.admin.flush();
    try {
      const outcome = await awaitTask(
        fx.admin,
        { project: HEALTH, pool: legacy, taskId: 'old-1', ...WAIT },
        where,
      );
      expect(outcome).toMatchObject({ status: 'completed', output: 'from the stream' });
      expect(bodies.map((b) => 'withReport' in (b as object))).toEqual([true, false]);
    } finally {
      sub.unsubscribe();
    }
  });

  it('survived everything without an actor error', () => {
    expect(actorErrors).toEqual([]);
  });
});
