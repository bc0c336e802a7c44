import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RefusedError } from '../../events/index.ts';
import type { FleetFixture } from '../../test/support/fleet-fixture.ts';
import {
  blockUntilAborted,
  deferred,
  pool,
  project,
  workerFleet,
} from '../../test/support/worker-fleet.ts';
import type { WorkerFleet } from '../../test/support/worker-fleet.ts';

// How a worker ends: declared lost, revoked, drained by a call or by SIGTERM.

let fleet: WorkerFleet;
let f: FleetFixture;
beforeEach(async () => {
  fleet = await workerFleet();
  f = fleet.f;
});
afterEach(async () => {
  await fleet.close();
});

describe('a worker', () => {
  it('is declared lost when its process dies mid-task; another worker finishes the task', async () => {
    const { child, said, workerId: dead } = await fleet.spawnWorkerProcess();
    await f.submit({ taskId: 't1' });
    await expect.poll(() => said('started')).toBe('t1');

    const release = deferred();
    const attempts: number[] = [];
    const w2 = await fleet.startWorker(async (t) => {
      attempts.push(t.attempt);
      await release.promise;
      return { output: 'rescued' };
    });
    child.kill('SIGKILL');
    await expect
      .poll(() => fleet.task('t1'), { timeout: 5_000 })
      .toMatchObject({ status: 'assigned', workerId: w2.id, attempt: 2 });
    expect(fleet.d.host.state.workers[dead]?.status).toBe('lost');

    // The dead worker's report of attempt 1 arrives late: stored, and refused by the fold.
    await f.report(dead, {
      type: 'task.completed',
      data: { taskId: 't1', project, pool, workerId: dead, attempt: 1, output: 'too late' },
      meta: { at: Date.now() },
    });
    const late = () => {
      const r = fleet.d.host.state.rejections.byReason;
      return (r['stale_attempt'] ?? 0) + (r['worker_not_active'] ?? 0);
    };
    await expect.poll(late).toBe(1);
    expect(fleet.task('t1')).toMatchObject({ status: 'assigned', workerId: w2.id });

    release.resolve();
    await expect.poll(() => fleet.task('t1')?.status).toBe('completed');
    expect(attempts).toEqual([2]);
    expect(await fleet.endingReport('t1')).toMatchObject({ data: { workerId: w2.id, attempt: 2 } });
  });

  it('ends with a RefusedError when revoked, and its attempt goes to another worker', async () => {
    const aborted = deferred<unknown>();
    const a = await fleet.startWorker((t) =>
      blockUntilAborted(t).catch((e: unknown) => {
        aborted.resolve(e);
        throw e;
      }),
    );
    await f.submit({ taskId: 't1' });
    await expect.poll(() => a.inFlight().map((x) => x.taskId)).toEqual(['t1']);
    const b = await fleet.startWorker((t) => Promise.resolve({ output: t.attempt }));

    await f.log.append(f.log.subjects.member(project, pool, a.id), {
      type: 'worker.revoked',
      data: { workerId: a.id, project, pool, reason: 'compromised' },
      meta: { at: Date.now() },
    });
    const ended = await a.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(ended).toBeInstanceOf(RefusedError);
    expect(ended).toMatchObject({ reason: 'worker_revoked' });
    expect(await aborted.promise).toMatchObject({ why: 'worker_stopped' });
    expect(a.events.map((e) => e.type)).toContain('refused');
    expect(a.phase()).toBe('ended');

    await expect.poll(() => fleet.task('t1')?.status).toBe('completed');
    expect(await fleet.endingReport('t1')).toMatchObject({ data: { workerId: b.id, attempt: 2 } });
    // The revoked worker reported nothing for the attempt it lost.
    expect(
      (await fleet.eventsOn(f.log.subjects.report(project, pool, a.id))).map((e) => e.type),
    ).toEqual([]);
  });

  it('drains: claims no more, finishes what it holds, then leaves', async () => {
    const release = deferred();
    const w = await fleet.startWorker(
      async () => {
        await release.promise;
        return { output: 'finished' };
      },
      { capacity: 2 },
    );
    const claims: number[] = [];
    const sub = f.nc.subscribe(f.log.subjects.claim(project, pool, w.id), {
      callback: () => {
        claims.push(Date.now());
      },
    });
    await f.nc.flush();
    await f.submit({ taskId: 't1' });
    await expect.poll(() => w.inFlight().length).toBe(1);
    // Its second slot is claiming.
    await expect.poll(() => fleet.d.waiting()).toBe(1);

    const sent = claims.length;
    const drained = w.drain();
    expect(w.phase()).toBe('draining');
    await expect.poll(() => fleet.d.host.state.workers[w.id]?.status).toBe('draining');
    // The claim under way is refused, and no other comes.
    await expect.poll(() => fleet.d.waiting()).toBe(0);
    await f.submit({ taskId: 't2' });

    release.resolve();
    await drained;
    await f.nc.flush(); // every claim the worker sent on this connection has been delivered
    sub.unsubscribe();
    expect(claims).toHaveLength(sent);
    expect(w.phase()).toBe('ended');
    expect(fleet.task('t1')?.status).toBe('completed');
    expect(fleet.task('t2')?.status).toBe('queued');
    expect(
      (await fleet.eventsOn(f.log.subjects.report(project, pool, w.id))).map((e) => e.type),
    ).toEqual(['worker.draining', 'task.completed', 'worker.left']);
    await expect.poll(() => fleet.d.host.state.workers[w.id]?.status).toBe('left');
    expect(w.events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['draining', 'left', 'ended']) as unknown,
    );
  });

  it('drains on SIGTERM when it handles signals', async () => {
    const { child, exited, said, workerId } = await fleet.spawnWorkerProcess();
    await f.submit({ taskId: 't1', payload: { sleepMs: 300 } });
    await expect.poll(() => said('started')).toBe('t1');
    child.kill('SIGTERM');
    expect(await exited).toEqual([0, null]);
    expect(fleet.task('t1')?.status).toBe('completed');
    expect(
      (await fleet.eventsOn(f.log.subjects.report(project, pool, workerId))).map((e) => e.type),
    ).toEqual(['worker.draining', 'task.completed', 'worker.left']);
    await expect.poll(() => fleet.d.host.state.workers[workerId]?.status).toBe('left');
  });
});
