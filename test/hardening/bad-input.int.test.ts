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
import { describe, expect, it } from 'vitest';
import { issueKey } from '../../actors/registrar/index.ts';
import { createWorker } from '../../actors/worker/index.ts';
import { awaitTask, submitTask, taskStatus } from '../../client/index.ts';
import { MAX_MESSAGE_BYTES } from '../../events/index.ts';
import type { WorkerId } from '../../events/index.ts';
import { fin, health, HEARTBEAT_MS, pool, useBadInputFleet } from './support/bad-input-fleet.ts';
import {
  badKeyEvents,
  json,
  misplacedEvents,
  text,
  unreadableMessages,
} from './support/bad-stored-messages.ts';

const fleet = useBadInputFleet();

/** Sends a request and returns the reply's JSON. */
const ask = async (subject: string, body: Uint8Array): Promise<unknown> => {
  const m: Msg = await fleet.f.nc.request(subject, body, { timeout: 5_000 });
  return m.json<unknown>();
};

const tally = (xs: readonly string[]) => {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
};

describe('bad input to a running dispatcher and registrar', () => {
  it('refuses and counts every bad message by its reason, and still serves a worker after', async () => {
    const { f, d, r, errors } = fleet;
    const s = f.log.subjects;
    const js = jetstream(f.nc);
    const publish = async (subject: string, bytes: Uint8Array) => js.publish(subject, bytes);

    // A real worker, enrolled by the registrar, completes a first task.
    const key = await issueKey(f.log, { project: health, pool, models: ['llama'], maxUses: 2 });
    const worker = await createWorker({
      nats: f.nc,
      key: key.token,
      root: s.root,
      models: ['llama'],
      heartbeatMs: HEARTBEAT_MS,
      claimWaitMs: 1_000,
      handler: (t) => Promise.resolve({ output: { echo: t.payload } }),
    });
    fleet.worker = worker;
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
    const unreadable = unreadableMessages(s);
    for (const [subject, bytes] of unreadable) await publish(subject, bytes);
    // Over the size limit: the server refuses it, nothing is stored.
    await expect(
      publish(s.submit(health, pool), new Uint8Array(MAX_MESSAGE_BYTES + 1)),
    ).rejects.toThrow();

    // --- valid events that are wrong at their position in the log ---------------------------
    const fold = misplacedEvents(s, reportSubject, report);
    for (const [subject, bytes] of fold) await publish(subject, bytes);

    // --- the registrar's key subjects -------------------------------------------------------
    const keys = badKeyEvents(s, key);
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
      { status: 'active', abort: [], server: expect.any(String) as unknown },
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
      conflict: 1,
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
});
