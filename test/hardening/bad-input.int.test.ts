/**
 * Bad input against a running dispatcher and registrar on a real nats-server: every kind of bad
 * stored message, and bad bodies on every request/reply subject (claim, heartbeat, task status,
 * enrollment). Each must be refused with a typed reason and counted under it — stored ones by the
 * folds (`rejections`), requests by the actors' refusal counters — without crashing an actor or
 * holding up what comes after: a worker enrolled before the flood claims and completes a task
 * submitted after it, and refused submissions are answerable by task status.
 */
import { jetstream } from '@nats-io/jetstream';
import type { Msg } from '@nats-io/transport-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDispatcher } from '../../actors/dispatcher/dispatcher.ts';
import type { Dispatcher } from '../../actors/dispatcher/dispatcher.ts';
import { issueKey, startRegistrar } from '../../actors/registrar/index.ts';
import type { Registrar } from '../../actors/registrar/index.ts';
import { createWorker } from '../../actors/worker/index.ts';
import type { Worker } from '../../actors/worker/index.ts';
import { awaitTask, submitTask, submitTasks, taskStatus } from '../../client/index.ts';
import { MAX_JSON_DEPTH, MAX_MESSAGE_BYTES } from '../../events/index.ts';
import type { FleetEventInput, KeyId, PoolId, ProjectId, WorkerId } from '../../events/index.ts';
import { P, POOL } from '../support/builders.ts';
import { fleetFixture } from '../support/fleet-fixture.ts';
import type { FleetFixture } from '../support/fleet-fixture.ts';

const health = P.health as ProjectId;
const fin = P.fin as ProjectId;
const pool = POOL as PoolId;
const HEARTBEAT_MS = 200;

let f: FleetFixture;
let d: Dispatcher;
let r: Registrar;
let worker: Worker | undefined;
const errors: unknown[] = [];

beforeEach(async () => {
  f = await fleetFixture();
  errors.length = 0;
  // Workers appended by the fixture never beat: a high miss count keeps them from being lost.
  d = await startDispatcher({
    log: f.log,
    pool,
    config: { heartbeatMs: HEARTBEAT_MS, missedBeats: 1_000 },
    onError: (e) => errors.push(e),
  });
  r = await startRegistrar({ log: f.log, onError: (e) => errors.push(e) });
});
afterEach(async () => {
  await worker?.kill();
  worker = undefined;
  await d.stop();
  await r.stop();
  await f.close();
});

const encoder = new TextEncoder();
const text = (s: string) => encoder.encode(s);
const json = (o: unknown) => text(JSON.stringify(o));
const at = { at: Date.now() };

const submission = (taskId: string, over: Record<string, unknown> = {}): FleetEventInput => ({
  type: 'task.submitted',
  data: { taskId, project: health, pool, requirements: { models: ['llama'] }, ...over },
  meta: at,
});

/** Sends a request and returns the reply's JSON. */
const ask = async (subject: string, body: Uint8Array): Promise<unknown> => {
  const m: Msg = await f.nc.request(subject, body, { timeout: 5_000 });
  return m.json<unknown>();
};

const tally = (xs: readonly string[]) => {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
};

describe('bad input to a running dispatcher and registrar', () => {
  it('refuses and counts every bad message by its reason, and still serves a worker after', async () => {
    const s = f.log.subjects;
    const js = jetstream(f.nc);
    const publish = async (subject: string, bytes: Uint8Array) => js.publish(subject, bytes);

    // A real worker, enrolled by the registrar, completes a first task.
    const key = await issueKey(f.log, { project: health, pool, models: ['llama'], maxUses: 2 });
    worker = await createWorker({
      nats: f.nc,
      key: key.token,
      root: s.root,
      models: ['llama'],
      heartbeatMs: HEARTBEAT_MS,
      claimWaitMs: 1_000,
      handler: (t) => Promise.resolve({ output: { echo: t.payload } }),
    });
    const a = worker.id;
    const run = async (taskId: string) => {
      await submitTask(f.nc, { taskId, project: health, pool, payload: taskId }, { root: s.root });
      return awaitTask(
        f.nc,
        { project: health, pool, taskId, timeoutMs: 10_000 },
        { root: s.root, stream: f.log.stream },
      );
    };
    expect(await run('good-1')).toMatchObject({ status: 'completed', output: { echo: 'good-1' } });
    const reportSubject = s.report(health, pool, a);
    const report = await f.log.jsm.streams.getMessage(f.log.stream, {
      last_by_subj: reportSubject,
    });
    if (report === null) throw new Error('no report stored');

    // Workers appended as the registrar would (they hold attempts for the stale reports below).
    await f.enroll('wx', { models: ['mistral'] });
    await f.enroll('wf', { project: fin });
    await f.submit({ taskId: 'mx', requirements: { models: ['mistral'] } });
    expect(await f.claim('wx')).toMatchObject({ assignments: [{ taskId: 'mx', attempt: 1 }] });

    const before = (await f.log.jsm.streams.info(f.log.stream)).state.last_seq;

    // --- stored messages the codec refuses ------------------------------------------------
    const deep = `${'['.repeat(MAX_JSON_DEPTH * 200)}${']'.repeat(MAX_JSON_DEPTH * 200)}`;
    const unreadable: [string, Uint8Array, string, string?][] = [
      [s.submit(health, pool), text('{"type":'), 'malformed_json'],
      [s.submit(health, pool), Uint8Array.from([0xff, 0xfe, 0x7b]), 'malformed_json'],
      [s.submit(health, pool), new Uint8Array(0), 'malformed_json'],
      [s.submit(health, pool), text(`<${'x'.repeat(900_000)}>`), 'malformed_json'],
      [
        s.submit(health, pool),
        json(submission('bad-priority', { priority: 'high' })),
        'schema_invalid',
        'bad-priority',
      ],
      [
        s.submit(health, pool),
        json({ type: 'task.exploded', data: { taskId: 'boom' }, meta: at }),
        'unknown_type',
      ],
      [
        s.submit(health, pool),
        json({
          type: 'task.assigned',
          data: { taskId: 'mx', project: health, pool, workerId: 'wx', attempt: 2 },
          meta: at,
        }),
        'not_allowed_on_subject',
      ],
      [
        s.submit(health, pool),
        json(submission('mismatch-1', { project: fin })),
        'subject_mismatch',
        'mismatch-1',
      ],
      [`${s.root}.${health}.${pool}.bogus`, json(submission('bogus-1')), 'bad_subject'],
      [
        s.submit(health, pool),
        json({
          batch: [submission('b1'), submission('b2'), submission('b3', { maxAttempts: 0 })],
        }),
        'schema_invalid',
        'b3',
      ],
      [
        s.submit(health, pool),
        text(JSON.stringify(submission('deep-1', { payload: 'DEEP' })).replace('"DEEP"', deep)),
        'schema_invalid',
        'deep-1',
      ],
      [
        s.submit(health, pool),
        text(
          JSON.stringify(submission('proto-1', { payload: { x: 1 } })).replace(
            '{"x":1}',
            '{"__proto__":{"admin":true},"x":1}',
          ),
        ),
        'schema_invalid',
        'proto-1',
      ],
      [
        `${s.root}.${health}.${pool}.worker.constructor.report`,
        json({
          type: 'worker.draining',
          data: { workerId: 'constructor', project: health, pool },
          meta: at,
        }),
        'bad_subject',
      ],
    ];
    for (const [subject, bytes] of unreadable) await publish(subject, bytes);
    // Over the size limit: the server refuses it, nothing is stored.
    await expect(
      publish(s.submit(health, pool), new Uint8Array(MAX_MESSAGE_BYTES + 1)),
    ).rejects.toThrow();

    // --- valid events that are wrong at their position in the log ---------------------------
    const fold: [string, Uint8Array, string][] = [
      [s.submit(health, pool), json(submission('good-1')), 'duplicate'],
      [
        s.report(health, pool, 'ghost' as WorkerId),
        json({
          type: 'task.completed',
          data: { taskId: 'mx', project: health, pool, workerId: 'ghost', attempt: 1 },
          meta: at,
        }),
        'unknown_worker',
      ],
      // A replayed report: the task it completed has ended.
      [reportSubject, report.data, 'task_not_assigned'],
      [
        s.report(health, pool, 'wx' as WorkerId),
        json({
          type: 'task.completed',
          data: { taskId: 'mx', project: health, pool, workerId: 'wx', attempt: 2 },
          meta: at,
        }),
        'stale_attempt',
      ],
      [
        s.report(health, pool, 'wf' as WorkerId),
        json({
          type: 'task.failed',
          data: {
            taskId: 'mx',
            project: health,
            pool,
            workerId: 'wf',
            attempt: 1,
            error: { message: 'forged' },
          },
          meta: at,
        }),
        'cross_project',
      ],
    ];
    for (const [subject, bytes] of fold) await publish(subject, bytes);

    // --- the registrar's key subjects -------------------------------------------------------
    const keyEvent = (type: string, data: Record<string, unknown>) =>
      json({ type, data, meta: at });
    const keys: [string, Uint8Array][] = [
      [s.key(health, key.keyId), text('nope')],
      [
        s.key(health, 'constructor' as KeyId),
        keyEvent('key.used', { keyId: 'constructor', project: health, workerId: 'w9', use: 1 }),
      ],
      [
        s.key(health, 'kbad' as KeyId),
        keyEvent('key.issued', {
          keyId: 'kbad',
          project: health,
          pool,
          maxUses: 1,
          expiresAt: Date.now() + 60_000,
          secretHash: 'not-a-hash',
        }),
      ],
      [
        s.key(health, 'kghost' as KeyId),
        keyEvent('key.used', { keyId: 'kghost', project: health, workerId: 'w9', use: 1 }),
      ],
      [
        s.key(health, key.keyId),
        keyEvent('key.used', { keyId: key.keyId, project: health, workerId: 'w9', use: 7 }),
      ],
      [
        s.key(fin, key.keyId),
        keyEvent('key.issued', {
          keyId: key.keyId,
          project: fin,
          pool,
          maxUses: 100,
          expiresAt: Date.now() + 60_000,
          secretHash: 'ab'.repeat(32),
        }),
      ],
    ];
    for (const [subject, bytes] of keys) await publish(subject, bytes);

    // --- request/reply subjects -------------------------------------------------------------
    const huge = (o: Record<string, unknown>) => json({ ...o, pad: 'x'.repeat(900_000) });
    const claimA = s.claim(health, pool, a);
    const claims = await Promise.all([
      ask(claimA, text('{nope')),
      ask(claimA, json({ max: '1' })),
      ask(claimA, huge({ max: 1 })),
      ask(`${s.root}_rpc.${health}.${pool}.constructor.claim`, json({ max: 1 })),
      // Valid requests the boundary refuses (stored as claim.rejected).
      ask(s.claim(health, pool, 'ghost' as WorkerId), new Uint8Array(0)),
      ask(s.claim(fin, pool, a), json({ max: 1, waitMs: 0 })),
    ]);
    expect(claims).toEqual([
      { error: 'claim body is not JSON', code: 'malformed_json' },
      { error: expect.stringMatching(/^invalid claim: max/) as unknown, code: 'schema_invalid' },
      { error: expect.stringMatching(/^invalid claim/) as unknown, code: 'schema_invalid' },
      { error: expect.stringMatching(/worker token/) as unknown, code: 'bad_subject' },
      { refused: expect.objectContaining({ reason: 'unknown_worker' }) as unknown },
      { refused: expect.objectContaining({ reason: 'cross_project' }) as unknown },
    ]);
    // A claim nobody waits for is not served: its assignments would wait out their lease.
    f.nc.publish(claimA, json({ max: 1, waitMs: 5_000 }));

    const hbA = s.heartbeat(health, pool, a);
    const attempts = Array.from({ length: 20_000 }, (_, i) => ({ taskId: `t${i}`, attempt: 1 }));
    const beats = await Promise.all([
      ask(hbA, text('beat')),
      ask(hbA, json({ attempts: 'all' })),
      ask(hbA, json({ attempts })),
      ask(`${s.root}_rpc.${health}.${pool}.constructor.hb`, json({ attempts: [] })),
      // An empty heartbeat is a beat without attempts.
      ask(hbA, new Uint8Array(0)),
    ]);
    expect(beats).toEqual([
      { error: 'heartbeat body is not JSON', code: 'malformed_json' },
      { error: expect.stringMatching(/^invalid heartbeat/) as unknown, code: 'schema_invalid' },
      { error: expect.stringMatching(/^invalid heartbeat/) as unknown, code: 'schema_invalid' },
      { error: expect.stringMatching(/worker token/) as unknown, code: 'bad_subject' },
      { status: 'active', abort: [] },
    ]);

    const status = s.status(health, pool);
    const statuses = await Promise.all([
      ask(status, text('?')),
      ask(status, json({ taskId: 5 })),
      ask(status, huge({ taskId: 'good-1' })),
      ask(status, new Uint8Array(0)),
      ask(`${s.root}_rpc.Health.${pool}.status`, json({ taskId: 'good-1' })),
    ]);
    expect(statuses.map((x) => (x as { code?: string }).code)).toEqual([
      'malformed_json',
      'schema_invalid',
      'schema_invalid',
      'schema_invalid',
      'bad_subject',
    ]);

    const enroll = s.enroll();
    const enrollments = await Promise.all([
      ask(enroll, text('{"key":')),
      ask(enroll, json({ key: 5 })),
      ask(enroll, huge({ key: key.token })),
      ask(enroll, new Uint8Array(0)),
      ask(enroll, json({ key: `fk_constructor_${'A'.repeat(43)}` })),
      ask(enroll, json({ key: `fk_${key.keyId}_${'B'.repeat(43)}` })),
    ]);
    expect(enrollments.map((x) => (x as { refused?: { reason: string } }).refused?.reason)).toEqual(
      [
        'invalid_request',
        'invalid_request',
        'invalid_request',
        'invalid_request',
        'invalid_request',
        'bad_secret',
      ],
    );
    expect(JSON.stringify(enrollments)).not.toContain(key.secret);

    // --- and then a good request is served at once -------------------------------------------
    expect(await run('good-2')).toMatchObject({ status: 'completed', output: { echo: 'good-2' } });

    // Everything stored was folded; nothing crashed or restarted.
    await d.host.catchUp(s.submit(health, pool));
    await r.host.catchUp(s.key(fin, key.keyId));
    expect(errors).toEqual([]);
    expect(d.host.stats.restarts).toBe(0);
    expect(r.host.stats.restarts).toBe(0);

    // Stored: every bad message counted under its reason by the folds.
    const ds = d.host.state;
    expect(ds.rejections.byReason).toEqual({
      unreadable: unreadable.length,
      duplicate: 1,
      unknown_worker: 1,
      task_not_assigned: 1,
      stale_attempt: 1,
      cross_project: 1,
    });
    const codes = ds.rejections.recent
      .filter((x) => x.seq > before && x.reason === 'unreadable')
      .map((x) => x.detail.split(':')[0] ?? '');
    expect(tally(codes)).toEqual(tally(unreadable.map(([, , code]) => code)));
    expect(ds.claimsRefused).toEqual({ unknown_worker: 1, cross_project: 1 });
    expect(r.host.state.rejections.byReason).toEqual({
      unreadable: 3,
      unknown_key: 1,
      stale_use: 1,
      duplicate: 1,
    });

    // Requests: counted by the actors that refused them.
    expect(d.refusals()).toEqual({
      'claim:malformed_json': 1,
      'claim:schema_invalid': 2,
      'claim:bad_subject': 1,
      'claim:no_reply': 1,
      'hb:malformed_json': 1,
      'hb:schema_invalid': 2,
      'hb:bad_subject': 1,
      'status:malformed_json': 1,
      'status:schema_invalid': 3,
      'status:bad_subject': 1,
    });
    expect(r.stats()).toMatchObject({
      enrolled: 1,
      refused: { invalid_request: 5, bad_secret: 1 },
      errors: 0,
    });

    // Refused submissions are answerable: each task a refused message named is `rejected`,
    // every task of a refused batch included.
    for (const [taskId, code] of [
      ['bad-priority', 'schema_invalid'],
      ['mismatch-1', 'subject_mismatch'],
      ['b1', 'schema_invalid'],
      ['b2', 'schema_invalid'],
      ['b3', 'schema_invalid'],
      ['deep-1', 'schema_invalid'],
      ['proto-1', 'schema_invalid'],
    ] as const)
      expect(
        await taskStatus(f.nc, { project: health, pool, taskId }, { root: s.root }),
      ).toMatchObject({ status: 'rejected', reason: expect.stringContaining(code) as unknown });
    expect(
      await taskStatus(f.nc, { project: health, pool, taskId: 'good-2' }, { root: s.root }),
    ).toMatchObject({ status: 'completed', attempts: 1 });
  });

  it('nests payloads up to the limit; the producer client refuses deeper ones, publishing nothing', async () => {
    const s = f.log.subjects;
    const nested = (levels: number): unknown => {
      let v: unknown = 'leaf';
      for (let i = 0; i < levels; i += 1) v = [v];
      return v;
    };
    const task = (taskId: string, levels: number) => ({
      taskId,
      project: health,
      pool,
      payload: nested(levels) as never,
    });
    for (const levels of [61, 5_000])
      await expect(
        submitTask(f.nc, task(`deep-${levels}`, levels), { root: s.root }),
      ).rejects.toMatchObject({ code: 'invalid_input', path: 'payload' });
    await expect(
      submitTasks(f.nc, [task('fine', 1), task('too-deep', 61)], { root: s.root }),
    ).rejects.toMatchObject({ code: 'invalid_input', path: '1.payload' });
    expect((await f.log.jsm.streams.info(f.log.stream)).state.messages).toBe(0);
    // Just inside the limit, alone and in a batch (the deepest envelope), the codec accepts it.
    await submitTask(f.nc, task('alone', 60), { root: s.root });
    await submitTasks(f.nc, [task('in-batch-1', 60), task('in-batch-2', 60)], { root: s.root });
    await d.host.catchUp(s.submit(health, pool));
    for (const id of ['alone', 'in-batch-1', 'in-batch-2'])
      expect(d.host.state.tasks[`${health}/${id}`]?.status).toBe('queued');
    expect(d.host.state.rejections.byReason).toEqual({});
  });
});
