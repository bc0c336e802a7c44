import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decode } from '../../events/index.ts';
import type { FleetEvent } from '../../events/index.ts';
import { taskStatus } from '../../client/task-status.ts';
import { taskKey } from '../../domain/pool/index.ts';
import { TaskError } from '../worker/task-error.ts';
import { pool, project, workerFleet } from '../../test/support/worker-fleet.ts';
import type { WorkerFleet } from '../../test/support/worker-fleet.ts';

// Retries on a real server: the backoff, a worker's retryAfterMs, codes never retried.

let fleet: WorkerFleet;
beforeEach(async () => {
  fleet = await workerFleet({ missedBeats: 50 });
});
afterEach(async () => {
  await fleet.close();
});

/** Every event of a task as stored, with its message's sequence and server time. */
const history = async (taskId: string) => {
  const { f } = fleet;
  const info = await f.log.jsm.streams.info(f.log.stream);
  const out: { seq: number; time: number; event: FleetEvent }[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq += 1) {
    const m = await f.log.jsm.streams.getMessage(f.log.stream, { seq });
    if (m === null) continue;
    const decoded = decode(m.subject, m.data, { root: f.log.subjects.root });
    if (!decoded.ok) continue;
    for (const event of decoded.value.events)
      if ('taskId' in event.data && event.data.taskId === taskId)
        out.push({ seq, time: m.time.getTime(), event });
  }
  return out;
};

describe('retries', () => {
  it("wait out the worker's retryAfterMs, shown as the task's wait, then run the next attempt", async () => {
    const attempts: number[] = [];
    await fleet.startWorker((t) => {
      attempts.push(t.attempt);
      if (t.attempt === 1)
        return Promise.reject(
          new TaskError('upstream said 429', { code: 'rate_limited', retryAfterMs: 600 }),
        );
      return Promise.resolve({ output: 'done' });
    });
    // Its own backoff is 10 ms: the worker's 600 ms is what it waits.
    await fleet.f.submit({ taskId: 'r1', maxAttempts: 3, retry: { initialMs: 10, maxMs: 10 } });
    await expect
      .poll(() => fleet.d.host.state.delayed[taskKey(project, 'r1')], { timeout: 10_000 })
      .toBeDefined();
    // A producer asking where it stands is told it waits out a backoff.
    const waiting = await taskStatus(
      fleet.f.nc,
      { project, pool, taskId: 'r1' },
      {
        root: fleet.f.log.subjects.root,
      },
    );
    expect(waiting).toMatchObject({
      status: 'queued',
      attempts: 1,
      waiting: { reason: 'backoff' },
    });
    expect(waiting.waiting?.detail).toMatch(/retry backoff after attempt 1 failed: ready at /);
    await expect.poll(() => fleet.task('r1')?.status, { timeout: 10_000 }).toBe('completed');
    expect(attempts).toEqual([1, 2]);

    const h = await history('r1');
    expect(h.map((x) => x.event.type)).toEqual([
      'task.submitted',
      'task.assigned',
      'task.failed',
      'task.ready',
      'task.assigned',
      'task.completed',
    ]);
    const failed = h[2];
    const ready = h[3];
    expect(failed?.event).toMatchObject({
      data: { retryAfterMs: 600, error: { code: 'rate_limited' } },
    });
    // On the server's clock: the next attempt was readied no sooner than the worker asked.
    expect((ready?.time ?? 0) - (failed?.time ?? 0)).toBeGreaterThanOrEqual(600);
    expect(ready?.event).toMatchObject({ data: { attempt: 2 } });
  });

  it('fail a task at once when its error code is one its policy never retries', async () => {
    const attempts: number[] = [];
    await fleet.startWorker((t) => {
      attempts.push(t.attempt);
      return Promise.reject(new TaskError('the input is malformed', { code: 'bad_input' }));
    });
    await fleet.f.submit({
      taskId: 'n1',
      maxAttempts: 5,
      retry: { nonRetryable: ['bad_input'] },
    });
    await expect.poll(() => fleet.task('n1')?.status, { timeout: 10_000 }).toBe('failed');
    expect(attempts).toEqual([1]);
    expect((await history('n1')).map((x) => x.event.type)).toEqual([
      'task.submitted',
      'task.assigned',
      'task.failed',
    ]);
  });
});
