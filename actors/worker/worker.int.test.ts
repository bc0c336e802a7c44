import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FleetFixture } from '../../test/support/fleet-fixture.ts';
import {
  blockUntilAborted,
  deferred,
  pool,
  project,
  workerFleet,
} from '../../test/support/worker-fleet.ts';
import type { WorkerFleet } from '../../test/support/worker-fleet.ts';
import { AbortedError } from './aborted-error.ts';
import { createWorker } from './create-worker.ts';
import { execHandler } from './exec-handler.ts';
import type { TaskContext } from './task-context.ts';
import { TaskError } from './task-error.ts';

// How a worker ends (lost, revoked, drained): worker-ending.int.test.ts.

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
  it('enrolls, claims, runs the handler and reports; the fold shows the task completed', async () => {
    const seen: TaskContext[] = [];
    const w = await fleet.startWorker((t) => {
      seen.push(t);
      return Promise.resolve({
        output: { echo: t.payload },
        usage: { tokensIn: 10, tokensOut: 5, costUsd: 0.01, model: 'llama' },
      });
    });
    expect(w.identity).toMatchObject({ workerId: w.id, project, pool, models: ['llama'] });
    await f.submit({ taskId: 't1', payload: { q: 1 } });
    await expect.poll(() => fleet.task('t1')?.status).toBe('completed');
    expect(seen).toMatchObject([{ taskId: 't1', project, pool, attempt: 1, payload: { q: 1 } }]);
    // The report the fold ended the task with carries the handler's output and usage.
    const report = await fleet.endingReport('t1');
    expect(report).toMatchObject({
      type: 'task.completed',
      data: {
        taskId: 't1',
        workerId: w.id,
        attempt: 1,
        output: { echo: { q: 1 } },
        usage: { tokensIn: 10, tokensOut: 5, costUsd: 0.01, model: 'llama' },
      },
    });
    expect(w.inFlight()).toEqual([]);
    expect(w.events.map((e) => e.type)).toEqual([
      'enrolled',
      'active',
      'task_started',
      'task_reported',
    ]);
  });

  it('aborts a slow handler at its start-to-close deadline; the task is retried and done again', async () => {
    // A live worker's heartbeats extend its lease (long tasks): what stops a handler that runs too
    // long is the task's start-to-close deadline, decided by the dispatcher and told to the worker.
    const reasons: unknown[] = [];
    const w = await fleet.startWorker((t) => {
      if (t.attempt === 2) return Promise.resolve({ output: 'second time lucky' });
      return blockUntilAborted(t).catch((e: unknown) => {
        reasons.push(e);
        throw e;
      });
    });
    await f.submit({
      taskId: 'slow',
      timeoutMs: 300,
      maxAttempts: 2,
      retry: { initialMs: 0 },
      deadlines: { startToCloseMs: 500 },
    });
    await expect.poll(() => fleet.task('slow')?.status, { timeout: 20_000 }).toBe('completed');
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toBeInstanceOf(AbortedError);
    expect(fleet.task('slow')).toMatchObject({ attempts: 2 });
    expect(await fleet.endingReport('slow')).toMatchObject({
      data: { workerId: w.id, attempt: 2 },
    });
  });

  it('runs up to its capacity at once, and a non-retryable failure fails the task', async () => {
    let running = 0;
    let peak = 0;
    const allIn = deferred();
    const w = await fleet.startWorker(
      async (t) => {
        running += 1;
        peak = Math.max(peak, running);
        if (peak === 3) allIn.resolve();
        await allIn.promise;
        running -= 1;
        if (t.taskId === 'bad') throw new TaskError('unparseable prompt', { retryable: false });
        return {};
      },
      { capacity: 3 },
    );
    expect(w.identity.capacity).toBe(3);
    await f.submit({ taskId: 'a' }, { taskId: 'b' }, { taskId: 'bad' });
    await expect
      .poll(() => ['a', 'b', 'bad'].map((id) => fleet.task(id)?.status))
      .toEqual(['completed', 'completed', 'failed']);
    expect(peak).toBe(3);
    expect(await fleet.endingReport('bad')).toMatchObject({
      type: 'task.failed',
      data: { retryable: false, error: { message: 'unparseable prompt' } },
    });
  });

  it('does not start with a key the registrar refuses', async () => {
    const token = await fleet.newKey();
    const bad = `${token.slice(0, -4)}AAAA`;
    await expect(
      createWorker({
        nats: f.nc,
        key: bad,
        root: f.log.subjects.root,
        handler: () => Promise.resolve({}),
      }),
    ).rejects.toMatchObject({ name: 'RefusedError', reason: 'bad_secret' });
  });

  it('runs a command per task with execHandler', async () => {
    await fleet.startWorker(
      execHandler({
        command: '[ "$FLEET_TASK_ID" = bad ] && { echo "no such model" >&2; exit 3; }; cat',
      }),
    );
    await f.submit({ taskId: 'good', payload: { x: 1 } }, { taskId: 'bad', maxAttempts: 1 });
    await expect
      .poll(() => [fleet.task('good')?.status, fleet.task('bad')?.status])
      .toEqual(['completed', 'dead_lettered']);
    expect(await fleet.endingReport('good')).toMatchObject({
      type: 'task.completed',
      data: { output: { taskId: 'good', project, pool, attempt: 1, payload: { x: 1 } } },
    });
    expect(await fleet.endingReport('bad')).toMatchObject({
      type: 'task.failed',
      data: { retryable: true, error: { message: 'no such model', code: 'exit_3' } },
    });
  });

  it('aborts an attempt whose task was cancelled, and reports nothing for it', async () => {
    const reasons: unknown[] = [];
    const w = await fleet.startWorker((t) =>
      t.taskId === 'next'
        ? Promise.resolve({})
        : blockUntilAborted(t).catch((e: unknown) => {
            reasons.push(e);
            throw e;
          }),
    );
    await f.submit({ taskId: 't1' });
    await expect.poll(() => w.inFlight().length).toBe(1);
    await f.log.append(f.log.subjects.cancel(project, pool), {
      type: 'task.cancelled',
      data: { taskId: 't1', project, pool, reason: 'no longer needed' },
      meta: { at: Date.now() },
    });
    await expect.poll(() => reasons).toHaveLength(1);
    expect(reasons[0]).toMatchObject({ why: 'cancelled' });
    await f.submit({ taskId: 'next' });
    await expect.poll(() => fleet.task('next')?.status).toBe('completed');
    expect(fleet.task('t1')?.status).toBe('cancelled');
    expect(
      (await fleet.eventsOn(f.log.subjects.report(project, pool, w.id))).map((e) => e.data),
    ).toMatchObject([{ taskId: 'next' }]);
    expect(w.events.map((e) => e.type)).toContain('task_dropped');
  });

  it('backs off while its dispatcher is away, and works again when one is back', async () => {
    const w = await fleet.startWorker((t) => Promise.resolve({ output: t.taskId }), {
      maxBackoffMs: 400,
    });
    await expect.poll(() => w.events.map((e) => e.type)).toContain('active');
    await fleet.d.stop();
    const delays = () => w.events.flatMap((e) => (e.type === 'claim_error' ? [e.retryInMs] : []));
    await expect.poll(() => delays().length).toBeGreaterThanOrEqual(3);
    // 50–100 % of 100, 200, 400 ms: each wait longer than the first.
    expect(delays()[2]).toBeGreaterThan(delays()[0] ?? Infinity);
    expect(w.events.map((e) => e.type)).toContain('heartbeat_error');
    await fleet.restartDispatcher();
    await f.submit({ taskId: 't1' });
    await expect.poll(() => fleet.task('t1')?.status, { timeout: 15_000 }).toBe('completed');
    expect(w.phase()).toBe('running');
  });
});
