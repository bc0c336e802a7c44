import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { taskStatus } from '../../client/task-status.ts';
import { submitTask } from '../../client/submit-task.ts';
import { pool, project, workerFleet } from '../../test/support/worker-fleet.ts';
import type { WorkerFleet } from '../../test/support/worker-fleet.ts';

// Idempotent submission on a real server: the same id and body again is a no-op that says so;
// another body is refused, recorded, and told to whoever asks where the task stands.

let fleet: WorkerFleet;
beforeEach(async () => {
  fleet = await workerFleet({ missedBeats: 50 });
});
afterEach(async () => {
  await fleet.close();
});

describe('a resubmission', () => {
  it('is a no-op with the same body, and refused with another; the producer is told', async () => {
    const { nc, log } = fleet.f;
    const root = log.subjects.root;
    const task = { project, pool, taskId: 'once', requirements: { models: ['llama'] } };
    const first = await submitTask(nc, { ...task, payload: { q: 1 } }, { root });
    const again = await submitTask(nc, { ...task, payload: { q: 1 } }, { root });
    const ask = () => taskStatus(nc, { project, pool, taskId: 'once' }, { root });
    await expect
      .poll(async () => (await ask()).resubmitted?.seq, { timeout: 10_000 })
      .toBe(again.seq);
    expect((await ask()).resubmitted).toEqual({
      seq: again.seq,
      reason: 'duplicate',
      detail: 'task once exists with the same body: nothing to do',
    });

    const other = await submitTask(nc, { ...task, payload: { q: 2 }, priority: 1 }, { root });
    await expect
      .poll(async () => (await ask()).resubmitted?.seq, { timeout: 10_000 })
      .toBe(other.seq);
    expect((await ask()).resubmitted).toMatchObject({
      reason: 'conflict',
      detail: 'task once exists with another body (priority, payload differ): refused',
    });
    // Recorded as a refusal, and the task is the first submission's.
    const state = fleet.d.host.state;
    expect(state.rejections.recent.map((r) => [r.seq, r.reason])).toEqual([
      [again.seq, 'duplicate'],
      [other.seq, 'conflict'],
    ]);
    const t = fleet.task('once');
    expect(t).toMatchObject({ submittedSeq: first.seq, priority: 0, payload: { q: 1 } });
  });
});
