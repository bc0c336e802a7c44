import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cancelConfirmed, submitTask, taskStatus } from '../../client/index.ts';
import { NotFoundError, RefusedError } from '../../events/index.ts';
import type { FleetFixture } from '../../test/support/fleet-fixture.ts';
import { blockUntilAborted, pool, project, workerFleet } from '../../test/support/worker-fleet.ts';
import type { WorkerFleet } from '../../test/support/worker-fleet.ts';
import type { TaskContext } from './task-context.ts';

// Cancellation of a running task, and delayed tasks, end to end on a real nats-server.

let fleet: WorkerFleet;
let f: FleetFixture;
beforeEach(async () => {
  fleet = await workerFleet();
  f = fleet.f;
});
afterEach(async () => {
  await fleet.close();
});

const where = () => ({ root: f.log.subjects.root });
const ref = (taskId: string) => ({ project, pool, taskId });

describe('cancelling a running task', () => {
  it("aborts its handler with why 'cancelled', reports nothing, retries nothing", async () => {
    const reasons: unknown[] = [];
    const started: TaskContext[] = [];
    const w = await fleet.startWorker((t) => {
      started.push(t);
      return blockUntilAborted(t).catch((e: unknown) => {
        reasons.push(e);
        throw e;
      });
    });
    await f.submit({ taskId: 't1', maxAttempts: 3 });
    await expect.poll(() => w.inFlight().length, { timeout: 15_000 }).toBe(1);
    const done = await cancelConfirmed(nc(), { ...ref('t1'), reason: 'changed my mind' }, where());
    expect(done).toMatchObject({ was: 'assigned', status: 'cancelled' });
    await expect.poll(() => reasons, { timeout: 15_000 }).toHaveLength(1);
    expect(reasons[0]).toMatchObject({ name: 'AbortedError', why: 'cancelled' });
    await expect.poll(() => w.inFlight().length, { timeout: 15_000 }).toBe(0);
    expect(w.events).toContainEqual(
      expect.objectContaining({ type: 'task_aborted', taskId: 't1', why: 'cancelled' }),
    );
    // The cancel is an event of the stream, and it ended the task: no report, no retry.
    const cancels = await fleet.eventsOn(f.log.subjects.cancel(project, pool));
    expect(cancels).toMatchObject([
      { type: 'task.cancelled', data: { taskId: 't1', reason: 'changed my mind' } },
    ]);
    expect(fleet.task('t1')).toMatchObject({
      status: 'cancelled',
      attempts: 1,
      endedSeq: done.seq,
    });
    expect(await fleet.eventsOn(f.log.subjects.report(project, pool, w.id))).toEqual([]);
    expect(started).toHaveLength(1);
    // The worker takes other work afterwards.
    await f.submit({ taskId: 'next' });
    await expect.poll(() => started.length, { timeout: 15_000 }).toBe(2);
    expect(fleet.task('t1')?.status).toBe('cancelled');
  });

  it('refuses with a typed error the cancel of an ended or unknown task, and records it', async () => {
    await fleet.startWorker(() => Promise.resolve({ output: 'done' }));
    await f.submit({ taskId: 'quick' });
    await expect.poll(() => fleet.task('quick')?.status, { timeout: 15_000 }).toBe('completed');
    const ended = cancelConfirmed(nc(), ref('quick'), where());
    await expect(ended).rejects.toBeInstanceOf(RefusedError);
    await expect(ended).rejects.toMatchObject({ reason: 'task_ended' });
    await expect(cancelConfirmed(nc(), ref('never'), where())).rejects.toBeInstanceOf(
      NotFoundError,
    );
    // Neither was stored: both were judged before anything was published.
    expect(await fleet.eventsOn(f.log.subjects.cancel(project, pool))).toEqual([]);
    // A raw cancel of the ended task (any NATS client may send one) is a recorded refusal.
    await f.log.append(f.log.subjects.cancel(project, pool), {
      type: 'task.cancelled',
      data: ref('quick'),
      meta: { at: Date.now() },
    });
    await expect
      .poll(() => fleet.d.host.state.rejections.recent.at(-1), { timeout: 15_000 })
      .toMatchObject({ type: 'task.cancelled', reason: 'task_ended' });
    expect(fleet.task('quick')?.status).toBe('completed');
  });
});

describe('a delayed task', () => {
  it('waits for its notBefore, says so, then runs; a cancel while it waits ends it', async () => {
    const ran: string[] = [];
    await fleet.startWorker((t) => {
      ran.push(t.taskId);
      return Promise.resolve({});
    });
    const { taskId } = await submitTask(
      nc(),
      { project, pool, taskId: 'later', requirements: { models: ['llama'] }, delayMs: 1_500 },
      where(),
    );
    await submitTask(
      nc(),
      { project, pool, taskId: 'never', requirements: { models: ['llama'] }, delayMs: 3_600_000 },
      where(),
    );
    await expect
      .poll(async () => (await taskStatus(nc(), ref(taskId), where())).waiting?.reason, {
        timeout: 15_000,
      })
      .toBe('not_before');
    const s = await taskStatus(nc(), ref('later'), where());
    expect(s).toMatchObject({
      status: 'queued',
      waiting: { detail: expect.stringMatching(/^not before /) as unknown },
    });
    await expect.poll(() => fleet.task('later')?.status, { timeout: 15_000 }).toBe('completed');
    // The stream says when it was readied: a task.ready, not before its notBefore.
    const dispatched = await fleet.eventsOn(f.log.subjects.dispatch(project, pool));
    expect(dispatched.map((e) => e.type)).toContain('task.ready');
    const cancelled = await cancelConfirmed(nc(), ref('never'), where());
    expect(cancelled).toMatchObject({ was: 'queued', status: 'cancelled' });
    expect(ran).toEqual(['later']);
  });

  it('refuses a negative or huge delay at the client, storing nothing', async () => {
    const base = { project, pool, requirements: { models: ['llama'] } };
    for (const delayMs of [-1, 31 * 86_400_000, 1.5])
      await expect(submitTask(nc(), { ...base, delayMs }, where())).rejects.toMatchObject({
        name: 'InvalidInputError',
        path: 'delayMs',
      });
    await expect(
      submitTask(nc(), { ...base, notBefore: Date.now() + 40 * 86_400_000 }, where()),
    ).rejects.toMatchObject({ name: 'InvalidInputError', path: 'notBefore' });
    expect(await fleet.eventsOn(f.log.subjects.submit(project, pool))).toEqual([]);
  });
});

const nc = () => f.nc;
