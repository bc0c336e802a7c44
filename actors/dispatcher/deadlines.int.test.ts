import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decode, InvalidInputError } from '../../events/index.ts';
import type { FleetEvent } from '../../events/index.ts';
import { awaitTask } from '../../client/await-task.ts';
import { publishStored } from '../../client/publish-stored.ts';
import { submitTask } from '../../client/submit-task.ts';
import { taskStatus } from '../../client/task-status.ts';
import type { TaskInput } from '../../client/task-input.ts';
import { blockUntilAborted, pool, project, workerFleet } from '../../test/support/worker-fleet.ts';
import type { WorkerFleet } from '../../test/support/worker-fleet.ts';

// Deadlines on a real server: each kind ends the task `timed_out`, decided by the dispatcher
// and recorded as `task.timed_out`; bad deadlines are refused at the client and on the stream.

let fleet: WorkerFleet;
beforeEach(async () => {
  fleet = await workerFleet();
});
afterEach(async () => {
  await fleet.close();
});

const root = () => fleet.f.log.subjects.root;
const submit = (input: Omit<TaskInput, 'project' | 'pool'>) =>
  submitTask(
    fleet.f.nc,
    { project, pool, requirements: { models: ['llama'] }, ...input },
    { root: root() },
  );
const outcome = (taskId: string) =>
  awaitTask(fleet.f.nc, { project, pool, taskId, timeoutMs: 60_000 }, { root: root() });

/** The types of a task's events as stored, `task.timed_out` with its deadline and attempt. */
const history = async (taskId: string) => {
  const { f } = fleet;
  const info = await f.log.jsm.streams.info(f.log.stream);
  const out: string[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq += 1) {
    const m = await f.log.jsm.streams.getMessage(f.log.stream, { seq });
    if (m === null) continue;
    const decoded = decode(m.subject, m.data, { root: root() });
    if (!decoded.ok) continue;
    for (const e of decoded.value.events as FleetEvent[])
      if ('taskId' in e.data && e.data.taskId === taskId)
        out.push(
          e.type === 'task.timed_out' ? `timed_out:${e.data.deadline}:${e.data.attempt}` : e.type,
        );
  }
  return out;
};

describe('deadlines', () => {
  it('schedule-to-start: a task no worker starts in time times out, with the reason', async () => {
    // No worker of its model: nobody starts it.
    const { taskId } = await submit({
      taskId: 'unstarted',
      requirements: { models: ['nobody-serves-this'] },
      deadlines: { scheduleToStartMs: 300 },
    });
    expect(await outcome(taskId)).toMatchObject({
      status: 'timed_out',
      attempts: 0,
      error: { code: 'schedule_to_start' },
    });
    expect(await history(taskId)).toEqual(['task.submitted', 'timed_out:schedule_to_start:0']);
  });

  it('start-to-close: a running attempt past it is aborted and counted; retried, then timed out', async () => {
    const aborted: number[] = [];
    await fleet.startWorker(async (t) => {
      try {
        return await blockUntilAborted(t);
      } finally {
        aborted.push(t.attempt);
      }
    });
    const { taskId } = await submit({
      taskId: 'too-slow',
      maxAttempts: 2,
      retry: { initialMs: 10, maxMs: 10 },
      deadlines: { startToCloseMs: 500 },
    });
    expect(await outcome(taskId)).toMatchObject({
      status: 'timed_out',
      attempts: 2,
      error: { code: 'start_to_close' },
    });
    // Each attempt's handler saw its signal abort (the dispatcher no longer counts it).
    await expect.poll(() => aborted, { timeout: 10_000 }).toEqual([1, 2]);
    expect(await history(taskId)).toEqual([
      'task.submitted',
      'task.assigned',
      'timed_out:start_to_close:1',
      'task.ready',
      'task.assigned',
      'timed_out:start_to_close:2',
    ]);
  });

  it('overall deadline: the task ends at its time, running or not, and its handler is aborted', async () => {
    let abortedWith: unknown;
    await fleet.startWorker(async (t) => {
      try {
        return await blockUntilAborted(t);
      } catch (e) {
        abortedWith = e;
        throw e;
      }
    });
    const { taskId } = await submit({
      taskId: 'late',
      deadlines: { deadlineAt: Date.now() + 5_000 },
    });
    expect(await outcome(taskId)).toMatchObject({
      status: 'timed_out',
      attempts: 1,
      error: { code: 'deadline' },
    });
    await expect.poll(() => abortedWith, { timeout: 10_000 }).toBeInstanceOf(Error);
    expect(await history(taskId)).toEqual([
      'task.submitted',
      'task.assigned',
      'timed_out:deadline:1',
    ]);
  });

  it('bad deadlines: a typed error at the client, a recorded refusal on the stream', async () => {
    const bad = [
      { deadlineAt: Date.now() - 60_000 },
      { scheduleToStartMs: -5 },
      { startToCloseMs: 10 ** 12 },
      { deadlineAt: Date.now() + 10 ** 12 },
    ];
    for (const deadlines of bad)
      await expect(submit({ taskId: 'refused', deadlines })).rejects.toBeInstanceOf(
        InvalidInputError,
      );
    // Past the client, straight onto the stream: the dispatcher refuses and says why.
    const subject = fleet.f.log.subjects.submit(project, pool);
    const raw = (taskId: string, deadlines: unknown) =>
      publishStored(
        fleet.f.nc,
        subject,
        new TextEncoder().encode(
          JSON.stringify({
            type: 'task.submitted',
            data: { taskId, project, pool, requirements: { models: ['llama'] }, deadlines },
            meta: { at: Date.now() },
          }),
        ),
        root(),
      );
    await raw('past', { deadlineAt: Date.now() - 60_000 });
    await raw('negative', { scheduleToStartMs: -5 });
    for (const taskId of ['past', 'negative'])
      expect(await outcome(taskId)).toMatchObject({ status: 'rejected' });
    const past = await taskStatus(fleet.f.nc, { project, pool, taskId: 'past' }, { root: root() });
    expect(past.reason).toMatch(/deadlineAt .* is not after the submission/);
    const negative = await taskStatus(
      fleet.f.nc,
      { project, pool, taskId: 'negative' },
      { root: root() },
    );
    expect(negative.reason).toMatch(/scheduleToStartMs/);
  });
});
