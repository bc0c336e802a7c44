import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { taskStatus } from '../../client/index.ts';
import type { FleetEvent } from '../../events/index.ts';
import { taskKey } from '../../domain/pool/index.ts';
import type { FleetFixture } from '../../test/support/fleet-fixture.ts';
import { deferred, pool, project, workerFleet } from '../../test/support/worker-fleet.ts';
import type { WorkerFleet } from '../../test/support/worker-fleet.ts';

// Progress and partial output of a running attempt, end to end on a real nats-server.

let fleet: WorkerFleet;
let f: FleetFixture;
beforeEach(async () => {
  fleet = await workerFleet();
  f = fleet.f;
});
afterEach(async () => {
  await fleet.close();
});

const status = (taskId: string) =>
  taskStatus(f.nc, { project, pool, taskId }, { root: f.log.subjects.root });
const progressOn = (events: readonly FleetEvent[]) =>
  events.flatMap((e) => (e.type === 'task.progress' ? [e.data] : []));

describe('progress of a running task', () => {
  it('reaches the status reply, keeps the latest, and goes when the attempt ends', async () => {
    const step = deferred();
    const finish = deferred();
    const w = await fleet.startWorker(async (t) => {
      t.progress({ done: 1, total: 4, message: 'reading', output: 'line 1\n' });
      await step.promise;
      // A chatty handler: a thousand reports cost the stream one message per interval.
      for (let i = 2; i <= 1000; i += 1) t.progress({ done: i, total: 1000, output: `${i % 10}` });
      t.progress({ message: 'writing' });
      await finish.promise;
      return { output: 'done' };
    });
    await f.submit({ taskId: 't1' });
    await expect
      .poll(async () => (await status('t1')).progress, { timeout: 15_000 })
      .toMatchObject({
        attempt: 1,
        done: 1,
        total: 4,
        message: 'reading',
        outputTail: 'line 1\n',
        outputChars: 7,
      });
    step.resolve();
    // The coalesced values: the latest done and total, the message kept from the last that set
    // one, every character of output in order.
    const output = `line 1\n${Array.from({ length: 999 }, (_, i) => `${(i + 2) % 10}`).join('')}`;
    await expect
      .poll(async () => (await status('t1')).progress, { timeout: 15_000 })
      .toMatchObject({ done: 1000, total: 1000, message: 'writing', outputChars: output.length });
    expect((await status('t1')).progress?.outputTail).toBe(output.slice(-2048));
    const sent = progressOn(await fleet.eventsOn(f.log.subjects.report(project, pool, w.id)));
    expect(sent.length).toBeLessThan(10);
    expect(sent.map((p) => p.output ?? '').join('')).toBe(output);
    finish.resolve();
    await expect.poll(() => fleet.task('t1')?.status, { timeout: 15_000 }).toBe('completed');
    expect((await status('t1')).progress).toBeUndefined();
    expect(fleet.d.host.state.progress).toEqual({});
  });

  it('refuses, and counts, progress from a worker not holding the attempt or too frequent', async () => {
    const hold = deferred();
    const w = await fleet.startWorker(async () => {
      await hold.promise;
      return {};
    });
    await f.submit({ taskId: 't1' });
    await expect.poll(() => fleet.task('t1')?.status, { timeout: 15_000 }).toBe('assigned');
    const progress = (workerId: string, done: number) => ({
      type: 'task.progress' as const,
      data: { taskId: 't1', project, pool, workerId, attempt: 1, done },
      meta: { at: Date.now() },
    });
    // Another worker of the project, on its own report subject: not the holder.
    await f.enroll('w-other');
    await f.report('w-other', progress('w-other', 7));
    // Two in one message: the same stream time, so the second is too soon after the first.
    await f.log.append(f.log.subjects.report(project, pool, w.id), [
      progress(w.id, 1),
      progress(w.id, 2),
    ]);
    await expect
      .poll(() => fleet.d.host.state.rejections.byReason, { timeout: 15_000 })
      .toMatchObject({ not_holder: 1, too_frequent: 1 });
    expect(fleet.d.host.state.progress[taskKey(project, 't1')]).toMatchObject({ done: 1 });
    hold.resolve();
    await expect.poll(() => fleet.task('t1')?.status, { timeout: 15_000 }).toBe('completed');
  });
});
