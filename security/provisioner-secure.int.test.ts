import { errors } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDispatcher } from '../actors/dispatcher/index.ts';
import type { Dispatcher } from '../actors/dispatcher/index.ts';
import { startProvisioner } from '../actors/provisioner/index.ts';
import type { Provisioner } from '../actors/provisioner/index.ts';
import { issueKey, startRegistrar } from '../actors/registrar/index.ts';
import type { Registrar } from '../actors/registrar/index.ts';
import { submitTask, taskStatus } from '../client/index.ts';
import { RuntimeTemplate } from '../events/index.ts';
import type {
  FleetEvent,
  FleetEventInput,
  KeyId,
  PoolId,
  ProjectId,
  WorkerId,
} from '../events/index.ts';
import { EventLog } from '../log/index.ts';
import { uniqueName } from '../test/harness/index.ts';
import { credentialAuthority } from './credential-authority.ts';
import { issueProducerCreds } from './issue-creds.ts';
import { issueProvisionerCreds } from './issue-provisioner-creds.ts';
import { startSecureFixture } from './secure-fixture.ts';
import type { SecureFixture } from './secure-fixture.ts';
import { peekUserJwt } from './user-jwt.ts';

const HEALTH = 'health-prod' as ProjectId;
const FIN = 'fin-prod' as ProjectId;
const GPU = 'gpu' as PoolId;
const CPU = 'cpu' as PoolId;
const BEAT_MS = 200;

const fn = RuntimeTemplate.parse({
  name: 'fn',
  runtime: { kind: 'lambda', maxDurationMs: 60_000, memoryMb: 512 },
  models: ['m'],
  labels: { runtime: 'fn' },
  cost: 1,
  maxConcurrent: 2,
});

/** The permission violations the server reported on a connection, as their messages. */
const violations = (nc: NatsConnection): string[] => {
  const seen: string[] = [];
  void (async () => {
    for await (const s of nc.status())
      if (s.type === 'error' && s.error instanceof errors.PermissionViolationError)
        seen.push(s.error.message);
  })();
  return seen;
};

/** The whole chain of an error's messages (an append's refusal is its cause). */
const chain = (e: unknown): string => {
  const parts: string[] = [];
  for (let x: unknown = e; x instanceof Error; x = x.cause) parts.push(x.message);
  return parts.join(' <- ');
};
const refusal = async (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'stored',
    (e: unknown) => chain(e),
  );
const publishDenied = (subject: string) => `Permissions Violation for Publish to "${subject}"`;

describe('the provisioner on a secure server: its own least-privilege credentials', () => {
  let fx: SecureFixture;
  let registrar: Registrar;
  let dispatcher: Dispatcher;
  let provisioner: Provisioner;
  let provLog: EventLog;
  let provNc: NatsConnection;
  let producer: NatsConnection;
  let provViolations: string[];
  let provJwt: string;
  const actorErrors: unknown[] = [];

  beforeAll(async () => {
    fx = await startSecureFixture({
      root: uniqueName('spr'),
      stream: uniqueName('spr').toUpperCase(),
    });
    const d = { root: fx.root, stream: fx.stream };
    const onError = (e: unknown) => actorErrors.push(e);
    registrar = await startRegistrar({
      log: await EventLog.open(await fx.connectAs(await fx.auth.serviceCreds('registrar', d)), d),
      onError,
      credentials: credentialAuthority({
        material: fx.auth.material,
        root: fx.root,
        system: await fx.connectAs(await fx.auth.serviceCreds('system')),
        onAccountJwt: (jwt) => fx.auth.saveAccountJwt(jwt),
      }),
    });
    dispatcher = await startDispatcher({
      log: await EventLog.open(await fx.connectAs(await fx.auth.serviceCreds('dispatcher', d)), d),
      pool: GPU,
      // Generous: a loaded machine may stall a worker's beats for a while.
      config: { heartbeatMs: BEAT_MS, missedBeats: 10 },
      onError,
    });
    producer = await fx.connectAs(
      await issueProducerCreds(fx.auth.material, { project: HEALTH, root: fx.root }),
    );
    const creds = await issueProvisionerCreds(fx.auth.material, {
      pool: GPU,
      projects: [HEALTH],
      ...d,
    });
    provJwt = creds.jwt();
    provNc = await fx.connectAs(creds);
    provViolations = violations(provNc);
    provLog = await EventLog.open(provNc, d);
    const enrollNc = await fx.connectAs(await fx.auth.serviceCreds('enroll', d));
    provisioner = await startProvisioner({
      log: provLog,
      pool: GPU,
      templates: [fn],
      handlerFor: () => (task) => Promise.resolve({ output: { ran: task.taskId } }),
      enroll: {
        nats: enrollNc,
        connect: (c) =>
          fx.connectAs(c, { reconnect: true, maxReconnectAttempts: 2, reconnectTimeWait: 50 }),
      },
      heartbeatMs: BEAT_MS,
      claimWaitMs: 1_000,
      tickMs: 200,
      onError,
    });
  });
  afterAll(async () => {
    await provisioner.stop();
    await dispatcher.stop();
    await registrar.stop();
    await fx.stop();
  });

  /** Every event stored on `filter`, in order. */
  const eventsOn = async (filter: string): Promise<FleetEvent[]> => {
    const out: FleetEvent[] = [];
    const tail = await fx.log.tail(filter, 1, ({ entry }) => {
      if ('events' in entry) out.push(...entry.events);
    });
    await tail.caughtUp;
    await tail.stop();
    return out;
  };

  it('launches a one-shot worker that enrolls and runs the task on credentials of its own', async () => {
    await submitTask(
      producer,
      { taskId: 't1', project: HEALTH, pool: GPU, requirements: { models: ['m'] }, payload: 1 },
      { root: fx.root },
    );
    const status = await taskStatus(
      producer,
      { project: HEALTH, pool: GPU, taskId: 't1', waitMs: 60_000, withReport: true },
      { root: fx.root },
    );
    expect(status.status).toBe('completed');
    expect(status.report?.output).toEqual({ ran: 't1' });
    const launches = await eventsOn(fx.log.subjects.launch(HEALTH, GPU));
    expect(launches.slice(0, 2).map((e) => e.type)).toEqual(['launch.requested', 'launch.started']);
    const requested = launches[0];
    const keyId = requested?.type === 'launch.requested' ? requested.data.keyId : undefined;
    expect(keyId).toBeDefined();
    // Its key: single use, stored as a hash only, used once by the launched worker.
    const keyEvents = await eventsOn(fx.log.subjects.key(HEALTH, keyId as KeyId));
    expect(keyEvents.map((e) => e.type)).toEqual(['key.issued', 'key.used']);
    expect(keyEvents[0]?.data).toMatchObject({ maxUses: 1, labels: { runtime: 'fn' } });
    const everything = await eventsOn(fx.log.subjects.all());
    expect(JSON.stringify(everything)).not.toMatch(/fk_/);
    // The worker enrolled with a public key of its own: it got its own worker credentials.
    const started = launches[1];
    const workerId = started?.type === 'launch.started' ? started.data.workerId : undefined;
    const member = everything.find(
      (e) => e.type === 'worker.enrolled' && e.data.workerId === workerId,
    );
    expect(member?.type === 'worker.enrolled' && member.data.publicKey).toMatch(/^U/);
    expect(actorErrors).toEqual([]);
    expect(provViolations).toEqual([]);
  });

  it('holds exactly its scope: launches and keys of its pool’s projects, the stream read-only', () => {
    // The JWT the provisioner connected with: what the server enforces.
    const claims = peekUserJwt(provJwt);
    expect(claims.nats.pub?.allow).toEqual(
      expect.arrayContaining([fx.log.subjects.launch(HEALTH, GPU), `${fx.root}.${HEALTH}._keys.*`]),
    );
    expect(claims.nats.sub?.allow).toEqual([`_INBOX.${claims.sub}.>`]);
  });

  const launchOf = (project: ProjectId, pool: PoolId): FleetEventInput => ({
    type: 'launch.requested',
    data: {
      launchId: 'l00000000000000aa',
      project,
      pool,
      taskId: 't1',
      template: 'fn',
      runtime: 'lambda',
      keyId: 'kl0',
      cost: 1,
      reason: 'forged',
    },
    meta: { at: Date.now() },
  });

  it('is refused by the server outside its scope: another project, another pool, another kind', async () => {
    const s = provLog.subjects;
    const denied: [string, FleetEventInput][] = [
      // Another project's launch subject in its own pool, and its own project in another pool.
      [s.launch(FIN, GPU), launchOf(FIN, GPU)],
      [s.launch(HEALTH, CPU), launchOf(HEALTH, CPU)],
      // What other actors write: a decision, a membership, a submission, a report.
      [s.dispatch(HEALTH, GPU), launchOf(HEALTH, GPU)],
      [s.member(HEALTH, GPU, 'w1' as WorkerId), launchOf(HEALTH, GPU)],
      [s.submit(HEALTH, GPU), launchOf(HEALTH, GPU)],
      [s.report(HEALTH, GPU, 'w1' as WorkerId), launchOf(HEALTH, GPU)],
    ];
    for (const [subject, event] of denied)
      expect(await refusal(provLog.append(subject, event))).toContain(publishDenied(subject));
    // A key in another project.
    expect(await refusal(issueKey(provLog, { project: FIN, pool: GPU, keyId: 'kx1' }))).toContain(
      publishDenied(s.key(FIN, 'kx1' as KeyId)),
    );
    // No stream change: purge, delete, a bucket of its own.
    for (const subject of [
      `$JS.API.STREAM.PURGE.${fx.stream}`,
      `$JS.API.STREAM.DELETE.${fx.stream}`,
      `$JS.API.STREAM.UPDATE.${fx.stream}`,
      `$JS.API.STREAM.CREATE.KV_x`,
    ])
      await expect(provNc.request(subject, '{}', { timeout: 5_000 })).rejects.toThrow(
        publishDenied(subject),
      );
    // It may not serve enrollments nor read other users' replies.
    for (const filter of [s.enroll(), '_INBOX.>']) provNc.subscribe(filter);
    await provNc.flush();
    await expect
      .poll(() => provViolations, { timeout: 10_000 })
      .toEqual(
        expect.arrayContaining([
          `Permissions Violation for Subscription to "${s.enroll()}"`,
          'Permissions Violation for Subscription to "_INBOX.>"',
        ]),
      );
    // Nothing it tried reached the stream.
    const info = await fx.log.jsm.streams.info(fx.stream, { subjects_filter: `${fx.root}.>` });
    const stored = Object.keys(info.state.subjects ?? {});
    expect(stored.filter((x) => x.includes(FIN) || x.includes(`.${CPU}.`))).toEqual([]);
  });
});
