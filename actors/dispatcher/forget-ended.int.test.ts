import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { awaitTask } from '../../client/await-task.ts';
import { taskStatus } from '../../client/task-status.ts';
import { submitTask } from '../../client/submit-task.ts';
import { pool, project, workerFleet } from '../../test/support/worker-fleet.ts';
import type { WorkerFleet } from '../../test/support/worker-fleet.ts';

// Bounded history on a real server: a dispatcher forgets an ended task a while of stream time
// after its end; asked about it, it says it does not know it and why; its id is then a new task;
// and a dispatcher restarted on the same log (snapshot and tail, or the whole log) agrees.

let fleet: WorkerFleet;
beforeEach(async () => {
  fleet = await workerFleet({ missedBeats: 50, forgetEndedAfterMs: 1_500 });
});
afterEach(async () => {
  await fleet.close();
});

describe('an ended task, a while after its end', () => {
  it('is forgotten by the dispatcher, said so, and its id runs again as a new task', async () => {
    const { nc, log } = fleet.f;
    const root = log.subjects.root;
    let runs = 0;
    await fleet.startWorker(() => {
      runs += 1;
      return Promise.resolve({ output: { run: runs } });
    });
    const ref = { project, pool, taskId: 'once' };
    const task = { ...ref, requirements: { models: ['llama'] } };
    const first = await submitTask(nc, task, { root });
    expect((await awaitTask(nc, { ...ref, timeoutMs: 30_000 }, { root })).status).toBe('completed');
    // Stream time passes only with the pool's messages: store some until the task is forgotten.
    let tick = 0;
    await expect
      .poll(
        async () => {
          tick += 1;
          await submitTask(nc, { ...task, taskId: `tick-${tick}` }, { root });
          return (await taskStatus(nc, ref, { root })).status;
        },
        { timeout: 30_000, interval: 300 },
      )
      .toBe('unknown');
    expect((await taskStatus(nc, ref, { root })).reason).toMatch(
      /not known to the dispatcher: never submitted .* or ended over 1.5 s ago .* and forgotten; the stream keeps its history/,
    );
    expect(fleet.task('once')).toBeUndefined();
    // The id is free: the same submission is a new task, assigned again from attempt 1. This
    // worker ran attempt 1 of the old task lately and does not run an attempt it finished
    // (actors/worker/worker-state.ts: `finished`): its lease (3 s) runs out and attempt 2 runs.
    const second = await submitTask(nc, { ...task, timeoutMs: 3_000 }, { root });
    expect(second.seq).toBeGreaterThan(first.seq);
    const outcome = await awaitTask(nc, { ...ref, timeoutMs: 60_000 }, { root });
    expect(outcome.status).toBe('completed');
    expect(outcome.attempts).toBeGreaterThanOrEqual(1);
    expect(fleet.task('once')).toMatchObject({ submittedSeq: second.seq, status: 'completed' });
    // A dispatcher folding the same log reaches the same state: the second task, not the first.
    await fleet.restartDispatcher();
    expect(fleet.task('once')).toMatchObject({ submittedSeq: second.seq, status: 'completed' });
  }, 120_000);
});
