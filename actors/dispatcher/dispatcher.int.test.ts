import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TaskStatusReply } from '../../events/index.ts';
import type { PoolId, ProjectId, WorkerId } from '../../events/index.ts';
import { fleetFixture } from '../../test/support/fleet-fixture.ts';
import type { FleetFixture } from '../../test/support/fleet-fixture.ts';
import { P, POOL } from '../../test/support/builders.ts';
import { startDispatcher } from './dispatcher.ts';
import type { Dispatcher } from './dispatcher.ts';
import { taskKey, toPlainState } from '../../domain/pool/index.ts';
import { Kvm } from '@nats-io/kv';
import { Snapshots } from '../host/snapshots.ts';
import { uniqueName } from '../../test/harness/index.ts';

let f: FleetFixture;
const running: Dispatcher[] = [];
const start = async (config = {}, snapshots?: Snapshots) => {
  const d = await startDispatcher({
    log: f.log,
    pool: POOL as PoolId,
    config,
    ...(snapshots === undefined ? {} : { snapshots }),
  });
  running.push(d);
  return d;
};

beforeEach(async () => {
  f = await fleetFixture();
});
afterEach(async () => {
  for (const d of running.splice(0)) await d.stop();
  await f.close();
});

const assignments = (r: Awaited<ReturnType<FleetFixture['claim']>>) =>
  'assignments' in r ? r.assignments : [];

/**
 * 300 submissions nobody can take, appended at once and not awaited: they keep the dispatcher's
 * fold busy, so a message appended right after is folded late.
 */
const fillerBurst = (tag: string) =>
  Promise.all(
    Array.from({ length: 300 }, (_, i) =>
      f.log.append(f.log.subjects.submit(P.health as ProjectId, POOL as PoolId), {
        type: 'task.submitted',
        data: {
          taskId: `filler-${tag}-${i}`,
          project: P.health,
          pool: POOL,
          requirements: { models: ['nobody-serves-this'] },
        },
        meta: { at: Date.now() },
      }),
    ),
  );

describe('the dispatcher on JetStream', () => {
  it('answers a long-polled claim as soon as a matching task is submitted', async () => {
    await f.enroll('w1');
    const d = await start();
    const claim = f.claim('w1', { waitMs: 5_000 });
    await expect.poll(() => d.waiting()).toBe(1);
    await f.submit({ taskId: 't1', payload: { prompt: 'hello' } });
    const reply = await claim;
    expect(assignments(reply)).toMatchObject([
      { taskId: 't1', attempt: 1, payload: { prompt: 'hello' } },
    ]);
    expect(d.host.state.tasks.get(taskKey(P.health, 't1'))?.status).toBe('assigned');
  });

  it('answers an empty claim after its wait when nothing matches', async () => {
    await f.enroll('w1');
    await start();
    await f.submit({ taskId: 't1', requirements: { models: ['gpt'] } });
    expect(await f.claim('w1', { waitMs: 200 })).toEqual({ assignments: [] });
  });

  it('refuses, records and explains a claim on another project’s subject', async () => {
    await f.enroll('w1');
    await f.submit({ taskId: 'f1', project: P.fin });
    const d = await start();
    const reply = await f.claim('w1', { project: P.fin });
    expect(reply).toMatchObject({ refused: { reason: 'cross_project' } });
    expect(d.host.state.claimsRefused).toEqual({ cross_project: 1 });
    expect(d.host.state.tasks.get(taskKey(P.fin, 'f1'))?.status).toBe('queued');
  });

  it('never assigns one attempt twice with two dispatchers on one pool', async () => {
    const workers = Array.from({ length: 6 }, (_, i) => `w${i}`);
    for (const w of workers) await f.enroll(w, { capacity: 10 });
    const tasks = Array.from({ length: 60 }, (_, i) => ({ taskId: `t${i}` }));
    const a = await start();
    const b = await start();
    await f.submit(...tasks);
    const got: string[] = [];
    // Every worker claims until full, through both dispatchers (a queue group splits claims).
    await Promise.all(
      workers.map(async (w) => {
        let mine = 0;
        for (let i = 0; i < 20 && mine < 10; i += 1) {
          const r = await f.claim(w, { max: 5, waitMs: 1_000 });
          mine += assignments(r).length;
          got.push(...assignments(r).map((x) => `${x.taskId}#${x.attempt}`));
        }
      }),
    );
    expect(new Set(got).size).toBe(got.length);
    expect(got).toHaveLength(60);
    await a.host.waitFor(b.host.position);
    await b.host.waitFor(a.host.position);
    // Both folds agree, and every refusal (a lost race) was a no-op, not an effect.
    expect(a.host.state.tasks).toEqual(b.host.state.tasks);
    const assigned = [...a.host.state.tasks.values()].filter((t) => t.status === 'assigned');
    expect(assigned).toHaveLength(60);
  });

  it('tells a producer where its task stands, waiting for the end, and which submissions were refused', async () => {
    await f.enroll('w1');
    await start();
    const status = async (taskId: string, waitMs = 0) => {
      const m = await f.nc.request(
        f.log.subjects.status(P.health as never, POOL as PoolId),
        new TextEncoder().encode(JSON.stringify({ taskId, waitMs })),
        { timeout: waitMs + 5_000 },
      );
      return TaskStatusReply.parse(m.json());
    };
    expect(await status('t1')).toMatchObject({ status: 'unknown' });
    await f.submit({ taskId: 't1' });
    await expect.poll(async () => (await status('t1')).status).toBe('queued');
    const waiting = status('t1', 10_000);
    const [a] = assignments(await f.claim('w1'));
    expect(a?.taskId).toBe('t1');
    await f.report('w1', {
      type: 'task.completed',
      data: { taskId: 't1', project: P.health, pool: POOL, workerId: 'w1', attempt: 1, output: 42 },
      meta: { at: Date.now() },
    } as never);
    const done = await waiting;
    expect(done).toMatchObject({ status: 'completed', attempts: 1 });
    const stored = await f.log.jsm.streams.getMessage(f.log.stream, { seq: done.endedSeq ?? 0 });
    expect(stored?.json()).toMatchObject({ type: 'task.completed', data: { output: 42 } });
    // A submission a raw client published with a wrong field is refused, and its producer can learn why.
    f.nc.publish(
      f.log.subjects.submit(P.health as never, POOL as PoolId),
      JSON.stringify({
        type: 'task.submitted',
        data: { taskId: 'bad1', project: P.health, pool: POOL, priority: 'urgent' },
        meta: { at: 1 },
      }),
    );
    await expect.poll(async () => (await status('bad1')).status).toBe('rejected');
    expect((await status('bad1')).reason).toMatch(/priority/);
  });

  it('restarts from the log with nothing lost or doubled', async () => {
    await f.enroll('w1', { capacity: 10 });
    await f.submit(...Array.from({ length: 10 }, (_, i) => ({ taskId: `t${i}` })));
    const first = await start();
    const r1 = await f.claim('w1', { max: 4 });
    expect(assignments(r1)).toHaveLength(4);
    const before = first.host.state;
    await first.stop();
    running.splice(running.indexOf(first), 1);
    const second = await start();
    expect(second.host.state.tasks).toEqual(before.tasks);
    const r2 = await f.claim('w1', { max: 10 });
    const ids = [...assignments(r1), ...assignments(r2)].map((a) => a.taskId).sort();
    expect(ids).toEqual(Array.from({ length: 10 }, (_, i) => `t${i}`).sort());
  });

  it('restarts from a snapshot larger than one KV value, and never from a torn one', async () => {
    // 4 KiB chunks stand in for the 1 MiB of a KV value: 3,000 tasks make a snapshot of ~1 MiB.
    const snapshots = await Snapshots.open(f.nc, uniqueName('snap'), { chunkBytes: 4096 });
    await f.enroll('w1', { capacity: 10 });
    for (let b = 0; b < 3; b += 1)
      await f.submit(...Array.from({ length: 1_000 }, (_, i) => ({ taskId: `t${b}-${i}` })));
    const first = await start({}, snapshots);
    const size = new TextEncoder().encode(
      JSON.stringify(toPlainState(first.host.state)),
    ).byteLength;
    expect(size).toBeGreaterThan(20 * 4096);
    await first.stop(); // saves a snapshot
    running.splice(running.indexOf(first), 1);
    await f.submit({ taskId: 'late' });
    const second = await start({}, snapshots);
    expect(second.host.stats).toMatchObject({ restoredFrom: first.host.position, folded: 1 });
    expect([...second.host.state.tasks.keys()]).toHaveLength(3_001);
    await second.stop();
    running.splice(running.indexOf(second), 1);

    // A chunk lost (a crash mid-save, a purge): the snapshot is not trusted, the log is.
    const kv = await new Kvm(f.nc).open(snapshots.bucket);
    const keys: string[] = [];
    for await (const k of await kv.keys()) keys.push(k);
    const chunks = keys.filter((k) => /\.[0-9a-f]{32}\.3$/.test(k));
    expect(chunks).toHaveLength(1); // the live snapshot's slot: the one before it was purged
    for (const chunk of chunks) await kv.purge(chunk);
    const third = await start({}, snapshots);
    expect(third.host.stats.restoredFrom).toBeUndefined();
    expect([...third.host.state.tasks.keys()]).toHaveLength(3_001);
  });

  it('restarts from a snapshot, folding only the tail', async () => {
    const snapshots = await Snapshots.open(f.nc, uniqueName('snap'));
    await f.enroll('w1', { capacity: 10 });
    await f.submit(...Array.from({ length: 5 }, (_, i) => ({ taskId: `t${i}` })));
    const first = await start({}, snapshots);
    expect(assignments(await f.claim('w1', { max: 2 }))).toHaveLength(2);
    const before = first.host.state;
    await first.stop(); // saves a snapshot
    running.splice(running.indexOf(first), 1);
    await f.submit({ taskId: 'late' });
    const second = await start({}, snapshots);
    expect(second.host.stats).toMatchObject({ restoredFrom: first.host.position, folded: 1 });
    expect(second.host.state.tasks.get(taskKey(P.health, 't0'))).toEqual(
      before.tasks.get(taskKey(P.health, 't0')),
    );
    expect(second.host.state.tasks.get(taskKey(P.health, 'late'))?.status).toBe('queued');
    expect(assignments(await f.claim('w1', { max: 10 }))).toHaveLength(4);
  });

  it('declares a silent worker lost and reroutes its task; its late report is refused', async () => {
    await f.enroll('w1');
    await f.enroll('w2');
    await f.submit({ taskId: 't1' });
    const d = await start({ heartbeatMs: 100, missedBeats: 2 });
    const got = assignments(await f.claim('w1'));
    expect(got).toMatchObject([{ taskId: 't1', attempt: 1 }]);
    // w2 keeps beating; w1 falls silent. w2's long-poll receives the rerouted attempt.
    const beating = setInterval(() => {
      f.heartbeat('w2').catch(() => undefined);
    }, 50);
    try {
      const rerouted = await f.claim('w2', { waitMs: 5_000 });
      expect(assignments(rerouted)).toMatchObject([{ taskId: 't1', attempt: 2 }]);
    } finally {
      clearInterval(beating);
    }
    expect(d.host.state.workers['w1']?.status).toBe('lost');
    await f.report('w1', {
      type: 'task.completed',
      data: { taskId: 't1', project: P.health, pool: POOL, workerId: 'w1', attempt: 1 },
      meta: { at: Date.now() },
    } as never);
    // Refused twice over: the attempt is stale and the worker is lost.
    await expect.poll(() => d.host.state.rejections.byReason['stale_attempt']).toBe(1);
    expect(d.host.state.tasks.get(taskKey(P.health, 't1'))).toMatchObject({
      status: 'assigned',
      workerId: 'w2',
    });
    expect(await f.heartbeat('w1', [{ taskId: 't1', attempt: 1 }])).toEqual({
      status: 'lost',
      abort: [{ taskId: 't1', attempt: 1 }],
      server: expect.any(String) as unknown,
    });
  });
  it('never tells a worker to abort an attempt another dispatcher gave it and this one has not folded yet', async () => {
    await f.enroll('w1', { capacity: 100 });
    const d = await start();
    const s = f.log.subjects;
    for (let round = 0; round < 10; round += 1) {
      const taskId = `t${round}`;
      await f.submit({ taskId });
      await expect
        .poll(() => d.host.state.tasks.get(taskKey(P.health, taskId))?.status)
        .toBe('queued');
      // A burst that keeps this dispatcher's fold busy, then the assignment another dispatcher of
      // the pool made, and at once the worker's heartbeat naming it.
      const burst = fillerBurst(`${round}`);
      await f.log.append(s.dispatch(P.health as ProjectId, POOL as PoolId), {
        type: 'task.assigned',
        data: {
          taskId,
          project: P.health,
          pool: POOL,
          workerId: 'w1',
          attempt: 1,
          leaseExpiresAt: Date.now() + 60_000,
        },
        meta: { at: Date.now() },
      });
      // Not aborted: held, with its lease (fresh, so news to nobody but harmless).
      expect(await f.heartbeat('w1', [{ taskId, attempt: 1 }])).toMatchObject({
        status: 'active',
        abort: [],
        leases: [{ taskId, attempt: 1, leaseExpiresAt: expect.any(Number) as number }],
      });
      await burst;
    }
  });

  it('never tells a worker it is unknown because its enrollment is not folded yet', async () => {
    const d = await start();
    for (let round = 0; round < 10; round += 1) {
      // A burst keeps the fold busy; the enrollment lands behind it; the worker beats at once.
      const burst = fillerBurst(`${round}`);
      await f.enroll(`w${round}`);
      expect(await f.heartbeat(`w${round}`)).toMatchObject({ status: 'active', abort: [] });
      await burst;
    }
    expect(d.host.state.workers['w9']?.status).toBe('active');
  });

  it('reads no report past its cap of reads, and says so', async () => {
    await f.enroll('w1');
    const d = await startDispatcher({ log: f.log, pool: POOL as PoolId, maxWaiting: 0 });
    running.push(d);
    await f.submit({ taskId: 'r1' });
    const s = f.log.subjects;
    await f.log.append(s.dispatch(P.health as ProjectId, POOL as PoolId), {
      type: 'task.assigned',
      data: {
        taskId: 'r1',
        project: P.health,
        pool: POOL,
        workerId: 'w1',
        attempt: 1,
        leaseExpiresAt: Date.now() + 60_000,
      },
      meta: { at: Date.now() },
    });
    await f.report('w1', {
      type: 'task.completed',
      data: { taskId: 'r1', project: P.health, pool: POOL, workerId: 'w1', attempt: 1, output: 7 },
      meta: { at: Date.now() },
    } as never);
    await expect
      .poll(() => d.host.state.tasks.get(taskKey(P.health, 'r1'))?.status)
      .toBe('completed');
    const m = await f.nc.request(
      s.status(P.health as ProjectId, POOL as PoolId),
      new TextEncoder().encode(JSON.stringify({ taskId: 'r1', withReport: true })),
      { timeout: 5_000 },
    );
    const reply = TaskStatusReply.parse(m.json());
    expect(reply).toMatchObject({ status: 'completed', reportOmitted: 'unavailable' });
    expect(reply.report).toBeUndefined();
  });

  it('holds a bounded number of long-polls: past the cap, claims are refused and status answered at once', async () => {
    await f.enroll('w1', { capacity: 10 });
    await f.enroll('w2', { capacity: 10 });
    const d = await startDispatcher({ log: f.log, pool: POOL as PoolId, maxWaiting: 2 });
    running.push(d);
    const ask = async (subject: string, body: unknown, waitMs: number) => {
      const m = await f.nc.request(subject, new TextEncoder().encode(JSON.stringify(body)), {
        timeout: waitMs + 5_000,
      });
      return m.json<Record<string, unknown>>();
    };
    const s = f.log.subjects;
    const claimSubject = (w: string) =>
      s.claim(P.health as ProjectId, POOL as PoolId, w as WorkerId);
    // One claim per worker is held (a newer one supersedes it): two workers fill the cap.
    const held = ['w1', 'w2'].map((w) => ask(claimSubject(w), { max: 1, waitMs: 10_000 }, 10_000));
    await expect.poll(() => d.waiting()).toBe(2);
    await f.enroll('w3', { capacity: 10 });
    await expect.poll(() => d.host.state.workers['w3']?.status).toBe('active');
    expect(await ask(claimSubject('w3'), { max: 1, waitMs: 10_000 }, 10_000)).toMatchObject({
      code: 'unavailable',
      error: expect.stringMatching(/2 waiting claims/) as unknown,
    });
    await f.submit({ taskId: 'c1' }, { taskId: 'c2' });
    for (const reply of await Promise.all(held))
      expect(reply).toMatchObject({ assignments: [{ attempt: 1 }] });

    // Status: two held (one wakes on a refused submission of its id), a third answered at once.
    const statusSubject = s.status(P.health as ProjectId, POOL as PoolId);
    const late = ask(statusSubject, { taskId: 'later', waitMs: 10_000 }, 10_000);
    const refused = ask(statusSubject, { taskId: 'bad1', waitMs: 10_000 }, 10_000);
    await f.submit({ taskId: 'later', requirements: { models: ['nobody-serves-this'] } });
    // Held, it would wait five minutes for c1 to end: the request's own timeout would fire first.
    expect(await ask(statusSubject, { taskId: 'c1', waitMs: 300_000 }, 0)).toMatchObject({
      status: 'assigned',
    });
    f.nc.publish(
      s.submit(P.health as ProjectId, POOL as PoolId),
      JSON.stringify({
        type: 'task.submitted',
        data: { taskId: 'bad1', project: P.health, pool: POOL, priority: 'urgent' },
        meta: { at: 1 },
      }),
    );
    expect(await refused).toMatchObject({ status: 'rejected' });
    await f.log.append(s.cancel(P.health as ProjectId, POOL as PoolId), {
      type: 'task.cancelled',
      data: { taskId: 'later', project: P.health, pool: POOL },
      meta: { at: Date.now() },
    });
    expect(await late).toMatchObject({ status: 'cancelled' });
  });
});
