import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { errors, headers } from '@nats-io/transport-node';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeMessage } from '../actors/gateway/index.ts';
import { submitTask } from '../client/index.ts';
import { relaySubject } from '../events/index.ts';
import type { PoolId, ProjectId, WorkerId } from '../events/index.ts';

const encoder = new TextEncoder();
import { uniqueName } from '../test/harness/index.ts';
import { credentialAuthority } from './credential-authority.ts';
import { fleetSigner, issueProducerCreds } from './issue-creds.ts';
import { workerPermissions } from './permissions.ts';
import { startSecureFixture } from './secure-fixture.ts';
import type { SecureFixture } from './secure-fixture.ts';
import { UserCredentials } from './user-credentials.ts';
import { issueUserJwt } from './user-jwt.ts';

const HEALTH = 'health-prod' as ProjectId;
const FIN = 'fin-prod' as ProjectId;
const GPU = 'gpu' as PoolId;
const W = 'wHealth1' as WorkerId;

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

const publishDenied = (subject: string) => `Permissions Violation for Publish to "${subject}"`;
const subscribeDenied = (subject: string) =>
  `Permissions Violation for Subscription to "${subject}"`;

describe('the transport refuses what a user’s credentials do not allow (nats-server auth)', () => {
  let fx: SecureFixture;
  let s: SecureFixture['log']['subjects'];
  let healthWorker: UserCredentials;
  let worker: NatsConnection;
  let workerViolations: string[];

  beforeAll(async () => {
    fx = await startSecureFixture({
      root: uniqueName('sec'),
      stream: uniqueName('sec').toUpperCase(),
    });
    s = fx.log.subjects;
    const authority = credentialAuthority({ material: fx.auth.material, root: fx.root });
    const pair = UserCredentials.newPair();
    const { jwt } = await authority.issue({
      workerId: W,
      project: HEALTH,
      pool: GPU,
      publicKey: pair.getPublicKey(),
    });
    healthWorker = UserCredentials.of(pair, jwt);
    worker = await fx.connectAs(healthWorker);
    workerViolations = violations(worker);
  });
  afterAll(async () => {
    await fx.stop();
  });

  /** Counts what the operator receives on `filter`. */
  const watch = async (filter: string): Promise<{ sub: Subscription; got: string[] }> => {
    const got: string[] = [];
    const sub = fx.admin.subscribe(filter, {
      callback: (_e, m) => {
        got.push(m.subject);
      },
    });
    await fx.admin.flush();
    return { sub, got };
  };

  it('lets a worker store its own report through the gateway, acknowledged on its own inbox', async () => {
    const seq = await storeMessage(worker, fx.root, s.report(HEALTH, GPU, W), encoder.encode('{}'));
    expect(seq).toBeGreaterThan(0);
    // Straight to the stream, where JetStream would acknowledge on any reply subject: refused.
    await expect(jetstream(worker).publish(s.report(HEALTH, GPU, W), '{}')).rejects.toThrow(
      publishDenied(s.report(HEALTH, GPU, W)),
    );
  });

  it('passes a store request’s trace context on through the gateway, and no other header', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const h = headers();
    h.set('traceparent', traceparent);
    // A dedupe id of the requester's choosing could drop another tenant's message.
    h.set('Nats-Msg-Id', 'chosen-by-the-requester');
    const subject = s.report(HEALTH, GPU, W);
    const ack = await worker.request(
      relaySubject(fx.root, subject, healthWorker.publicKey),
      encoder.encode('{}'),
      { headers: h, timeout: 5_000 },
    );
    const { seq } = ack.json<{ seq: number }>();
    const stored = await fx.log.jsm.streams.getMessage(fx.log.stream, { seq });
    expect(stored?.header.get('traceparent')).toBe(traceparent);
    expect(stored?.header.get('Nats-Msg-Id')).toBe('');
  });

  it('refuses a health-prod worker’s publishes to fin-prod subjects: nothing reaches a subscriber', async () => {
    const stored = await watch(`${fx.root}.${FIN}.>`);
    const rpc = await watch(`${fx.root}_rpc.${FIN}.>`);
    const own = await watch(`${fx.root}_rpc.${HEALTH}.>`);
    const denied = [
      s.submit(FIN, GPU),
      s.cancel(FIN, GPU),
      s.report(FIN, GPU, W),
      s.member(FIN, GPU, W),
      s.dispatch(FIN, GPU),
      s.claim(FIN, GPU, W),
      s.heartbeat(FIN, GPU, W),
      s.status(FIN, GPU),
    ];
    for (const subject of denied) worker.publish(subject, '{}');
    // Control: the worker's own claim subject does reach the operator's subscriber.
    worker.publish(s.claim(HEALTH, GPU, W), '{}');
    await worker.flush();
    await expect.poll(() => own.got).toEqual([s.claim(HEALTH, GPU, W)]);
    await expect
      .poll(() => workerViolations)
      .toEqual(expect.arrayContaining(denied.map(publishDenied)));
    await fx.admin.flush();
    expect(stored.got).toEqual([]);
    expect(rpc.got).toEqual([]);
    // A request is refused at once with the server's error, not left to time out.
    await expect(
      worker.request(s.claim(FIN, GPU, W), '{"max":1}', { timeout: 5_000 }),
    ).rejects.toThrow(publishDenied(s.claim(FIN, GPU, W)));
    // Nothing was stored under fin-prod.
    const info = await fx.log.jsm.streams.info(fx.stream, {
      subjects_filter: `${fx.root}.${FIN}.>`,
    });
    expect(info.state.subjects ?? {}).toEqual({});
    for (const w of [stored, rpc, own]) w.sub.unsubscribe();
  });

  it('refuses its subscriptions to another project’s subjects and to other inboxes', async () => {
    const filters = [
      `${fx.root}.${FIN}.>`,
      `${fx.root}.>`,
      // Serving fin-prod claims would be impersonating its dispatcher.
      `${fx.root}_rpc.${FIN}.${GPU}.*.claim`,
      '_INBOX.>',
    ];
    const subs = filters.map((f) => worker.subscribe(f));
    await worker.flush();
    await expect
      .poll(() => workerViolations)
      .toEqual(expect.arrayContaining(filters.map(subscribeDenied)));
    for (const sub of subs) expect(sub.isClosed()).toBe(true);
  });

  it('refuses its JetStream API requests', async () => {
    await expect(jetstreamManager(worker)).rejects.toThrow(publishDenied('$JS.API.INFO'));
    for (const subject of [
      `$JS.API.STREAM.INFO.${fx.stream}`,
      `$JS.API.CONSUMER.CREATE.${fx.stream}`,
      `$JS.API.DIRECT.GET.${fx.stream}`,
      `$JS.API.STREAM.DELETE.${fx.stream}`,
    ])
      await expect(worker.request(subject, '{}', { timeout: 5_000 })).rejects.toThrow(
        publishDenied(subject),
      );
  });

  describe('a producer of one project', () => {
    let producer: NatsConnection;
    let producerKey: string;
    let producerViolations: string[];
    beforeAll(async () => {
      const creds = await issueProducerCreds(fx.auth.material, { project: HEALTH, root: fx.root });
      producer = await fx.connectAs(creds);
      producerKey = creds.publicKey;
      producerViolations = violations(producer);
    });

    it('cannot create a consumer on the stream nor read it by direct or message get', async () => {
      const consumer = `${fx.stream}.peek.${fx.root}.${FIN}.>`;
      for (const subject of [
        `$JS.API.CONSUMER.CREATE.${fx.stream}`,
        `$JS.API.CONSUMER.CREATE.${consumer}`,
        `$JS.API.CONSUMER.DURABLE.CREATE.${fx.stream}.peek`,
        `$JS.API.DIRECT.GET.${fx.stream}`,
        `$JS.API.DIRECT.GET.${fx.stream}.${fx.root}.${FIN}.${GPU}.submit`,
        `$JS.API.STREAM.MSG.GET.${fx.stream}`,
      ])
        await expect(producer.request(subject, '{}', { timeout: 5_000 })).rejects.toThrow(
          publishDenied(subject),
        );
      await expect(jetstream(producer).consumers.get(fx.stream)).rejects.toThrow(
        /Permissions Violation/,
      );
    });

    it('submits to its own project, but its submission to another project is refused and not stored', async () => {
      const task = { pool: GPU, requirements: { models: ['m'] }, payload: {} };
      const own = await submitTask(
        producer,
        { ...task, project: HEALTH, taskId: 't1' },
        { root: fx.root },
      );
      expect(own.seq).toBeGreaterThan(0);
      const theirs = relaySubject(fx.root, s.submit(FIN, GPU), producerKey);
      await expect(
        submitTask(producer, { ...task, project: FIN, taskId: 't2' }, { root: fx.root }),
      ).rejects.toMatchObject({ cause: { message: publishDenied(theirs) } });
      await expect.poll(() => producerViolations).toContain(publishDenied(theirs));
      const info = await fx.log.jsm.streams.info(fx.stream, {
        subjects_filter: `${fx.root}.${FIN}.>`,
      });
      expect(info.state.subjects ?? {}).toEqual({});
    });

    it('has its status requests for another project refused by the server', async () => {
      // Stand-in for the dispatcher: answers every status request it receives.
      const answered: string[] = [];
      const sub = fx.admin.subscribe(`${fx.root}_rpc.*.*.status.*`, {
        callback: (_e, m) => {
          answered.push(m.subject);
          m.respond('{}');
        },
      });
      await fx.admin.flush();
      const mine = await producer.request(s.status(HEALTH, GPU, producerKey), '{"taskId":"t1"}', {
        timeout: 5_000,
      });
      expect(mine.string()).toBe('{}');
      await expect(
        producer.request(s.status(FIN, GPU, producerKey), '{"taskId":"t2"}', { timeout: 5_000 }),
      ).rejects.toThrow(publishDenied(s.status(FIN, GPU, producerKey)));
      // Nor may it ask on another requester's status subject (answered on that one's inbox).
      const other = s.status(HEALTH, GPU, `U${'B'.repeat(55)}`);
      await expect(producer.request(other, '{"taskId":"t3"}', { timeout: 5_000 })).rejects.toThrow(
        publishDenied(other),
      );
      expect(answered).toEqual([s.status(HEALTH, GPU, producerKey)]);
      sub.unsubscribe();
    });
  });

  it('refuses an expired credential, and cuts a connection when its credential expires', async () => {
    const signer = fleetSigner(fx.auth.material);
    const issue = async (expiresAt: number) => {
      const pair = UserCredentials.newPair();
      const publicKey = pair.getPublicKey();
      const permissions = workerPermissions(
        { project: HEALTH, pool: GPU, workerId: W, publicKey },
        fx.root,
      );
      const jwt = await issueUserJwt(signer, { name: 'w', publicKey, permissions, expiresAt });
      return UserCredentials.of(pair, jwt);
    };
    await expect(fx.connectAs(await issue(Date.now() - 60_000))).rejects.toThrow(
      /Authorization Violation/i,
    );
    // Whole seconds in the JWT: this one lapses one to two seconds from now.
    const shortLived = await fx.connectAs(await issue(Date.now() + 2_000));
    const statuses: string[] = [];
    void (async () => {
      for await (const st of shortLived.status())
        if (st.type === 'error') statuses.push(st.error.message);
    })();
    const closed = await shortLived.closed();
    expect(closed).toBeInstanceOf(Error);
    expect(statuses.join(' ')).toMatch(/User Authentication Expired/i);
  });
});
