import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RefusedError } from '../events/index.ts';
import { TaskError } from '../actors/worker/task-error.ts';
import { pool, project, workerFleet } from '../test/support/worker-fleet.ts';
import type { WorkerFleet } from '../test/support/worker-fleet.ts';
import { readDeadLetters, readTaskHistory } from './read-dead-letters.ts';
import { redriveDeadLetter } from './redrive-dead-letter.ts';

// Dead letters on a real server: listed, redriven afresh with their history kept, and a
// redrive of anything else refused with nothing stored.

let fleet: WorkerFleet;
beforeEach(async () => {
  fleet = await workerFleet({ missedBeats: 50 });
});
afterEach(async () => {
  await fleet.close();
});

const place = { project: project, pool: pool };

describe('dead letters', () => {
  it('are listed, and a redrive runs one again with a fresh allowance, keeping its history', async () => {
    let healthy = false;
    const seen: { taskId: string; attempt: number; payload: unknown }[] = [];
    await fleet.startWorker((t) => {
      seen.push({ taskId: t.taskId, attempt: t.attempt, payload: t.payload });
      if (healthy || t.taskId === 'ok') return Promise.resolve({ output: 'done' });
      return Promise.reject(new TaskError('upstream down', { code: 'unavailable' }));
    });
    await fleet.f.submit(
      { taskId: 'd1', maxAttempts: 2, payload: { n: 1 }, retry: { initialMs: 0 } },
      { taskId: 'ok', payload: { n: 2 } },
    );
    await expect.poll(() => fleet.task('d1')?.status, { timeout: 10_000 }).toBe('dead_lettered');
    await expect.poll(() => fleet.task('ok')?.status, { timeout: 10_000 }).toBe('completed');

    const letters = await readDeadLetters(fleet.f.log, place);
    expect(letters.map((l) => [l.row.taskId, l.row.attempts, l.row.maxAttempts])).toEqual([
      ['d1', 2, 2],
    ]);
    expect(letters[0]?.submission).toMatchObject({ taskId: 'd1', payload: { n: 1 } });

    healthy = true;
    const { seq } = await redriveDeadLetter(fleet.f.log, {
      ...place,
      taskId: 'd1',
      reason: 'fixed',
    });
    await expect.poll(() => fleet.task('d1')?.status, { timeout: 10_000 }).toBe('completed');
    // A fresh allowance, the same body; attempt numbers go on (they fence reports), so the
    // worker that ran attempt 1 before the redrive runs the new one too.
    expect(seen.filter((s) => s.taskId === 'd1')).toEqual([
      { taskId: 'd1', attempt: 1, payload: { n: 1 } },
      { taskId: 'd1', attempt: 2, payload: { n: 1 } },
      { taskId: 'd1', attempt: 3, payload: { n: 1 } },
    ]);
    expect(fleet.task('d1')).toMatchObject({ status: 'completed', attempts: 3, submittedSeq: seq });
    const types = (await readTaskHistory(fleet.f.log, place, 'd1')).map((h) => h.event.type);
    expect(types).toEqual([
      'task.submitted',
      'task.assigned',
      'task.failed',
      'task.ready',
      'task.assigned',
      'task.failed',
      'task.redriven',
      'task.assigned',
      'task.completed',
    ]);
    expect(await readDeadLetters(fleet.f.log, place)).toEqual([]);
  });

  it('refuses a redrive of a task that is not dead-lettered, storing nothing', async () => {
    await fleet.startWorker(() => Promise.resolve({ output: 'done' }));
    await fleet.f.submit({ taskId: 'fine' });
    await expect.poll(() => fleet.task('fine')?.status, { timeout: 10_000 }).toBe('completed');
    const before = (await fleet.f.log.jsm.streams.info(fleet.f.log.stream)).state.last_seq;
    for (const taskId of ['fine', 'never-submitted']) {
      const refused = redriveDeadLetter(fleet.f.log, { ...place, taskId });
      await expect(refused).rejects.toBeInstanceOf(RefusedError);
      await expect(refused).rejects.toMatchObject({ reason: 'not_dead_lettered' });
    }
    expect((await fleet.f.log.jsm.streams.info(fleet.f.log.stream)).state.last_seq).toBe(before);
    expect(fleet.task('fine')).toMatchObject({ status: 'completed', attempts: 1 });
  });
});
