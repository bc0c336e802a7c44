import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDispatcher } from '../actors/dispatcher/dispatcher.ts';
import type { Dispatcher } from '../actors/dispatcher/dispatcher.ts';
import type { PoolId, ProjectId } from '../events/index.ts';
import { P, POOL } from '../test/support/builders.ts';
import { fleetFixture } from '../test/support/fleet-fixture.ts';
import type { FleetFixture } from '../test/support/fleet-fixture.ts';
import { awaitTask } from './await-task.ts';
import { cancelTask } from './cancel-task.ts';
import { submitTask } from './submit-task.ts';
import { taskStatus } from './task-status.ts';
import { WaitTimeoutError } from './wait-timeout-error.ts';

let f: FleetFixture;
let d: Dispatcher | undefined;

beforeEach(async () => {
  f = await fleetFixture();
});
afterEach(async () => {
  await d?.stop();
  d = undefined;
  await f.close();
});

const start = async () => {
  d = await startDispatcher({ log: f.log, pool: POOL as PoolId });
  return d;
};
const where = () => ({ root: f.log.subjects.root, stream: f.log.stream });
const ref = (taskId: string) => ({ project: P.health, pool: POOL, taskId });
const submit = (taskId: string) =>
  submitTask(
    f.nc,
    { taskId, project: P.health, pool: POOL, requirements: { models: ['llama'] } },
    where(),
  );

/** A fake worker: claims once and reports the attempt as completed or failed. */
const workOnce = async (workerId: string, outcome: 'completed' | 'failed') => {
  const reply = await f.claim(workerId, { waitMs: 5_000 });
  const a = 'assignments' in reply ? reply.assignments[0] : undefined;
  if (a === undefined) throw new Error(`no assignment: ${JSON.stringify(reply)}`);
  const base = { taskId: a.taskId, project: a.project, pool: a.pool, workerId, attempt: a.attempt };
  await f.report(
    workerId,
    outcome === 'completed'
      ? {
          type: 'task.completed',
          data: { ...base, output: { echo: a.payload }, usage: { tokensIn: 3, tokensOut: 4 } },
          meta: { at: Date.now() },
        }
      : {
          type: 'task.failed',
          data: { ...base, error: { message: 'boom', code: 'e1' }, retryable: false },
          meta: { at: Date.now() },
        },
  );
};

describe('awaitTask', () => {
  it('returns the output and usage the worker stored for a completed task', async () => {
    await f.enroll('w1');
    await start();
    const working = workOnce('w1', 'completed');
    await submitTask(
      f.nc,
      {
        taskId: 't1',
        project: P.health,
        pool: POOL,
        requirements: { models: ['llama'] },
        payload: 7,
      },
      where(),
    );
    const outcome = await awaitTask(f.nc, { ...ref('t1'), timeoutMs: 10_000 }, where());
    await working;
    expect(outcome).toMatchObject({
      status: 'completed',
      attempts: 1,
      output: { echo: 7 },
      usage: { tokensIn: 3, tokensOut: 4 },
    });
  });

  it('returns the error of a task that failed for good', async () => {
    await f.enroll('w1');
    await start();
    const working = workOnce('w1', 'failed');
    await submit('t2');
    const outcome = await awaitTask(f.nc, { ...ref('t2'), timeoutMs: 10_000 }, where());
    await working;
    expect(outcome).toMatchObject({ status: 'failed', error: { message: 'boom', code: 'e1' } });
    expect(outcome.output).toBeUndefined();
  });

  it('says rejected, with the reason, for an invalid submission a raw client published', async () => {
    await start();
    f.nc.publish(
      f.log.subjects.submit(P.health as ProjectId, POOL as PoolId),
      JSON.stringify({
        type: 'task.submitted',
        data: { taskId: 'raw1', project: P.health, pool: POOL, priority: 'high' },
        meta: { at: 1 },
      }),
    );
    const outcome = await awaitTask(f.nc, { ...ref('raw1'), timeoutMs: 10_000 }, where());
    expect(outcome.status).toBe('rejected');
    expect(outcome.reason).toMatch(/priority/);
  });

  it('times out with a typed error while the task is still queued', async () => {
    await start();
    await submit('t3');
    const waiting = awaitTask(f.nc, { ...ref('t3'), timeoutMs: 300 }, where());
    await expect(waiting).rejects.toBeInstanceOf(WaitTimeoutError);
    await expect(waiting).rejects.toMatchObject({ code: 'timeout', lastStatus: 'queued' });
  });
});

describe('cancelTask and taskStatus', () => {
  it('cancels a queued task', async () => {
    await start();
    await submit('t4');
    await expect
      .poll(async () => (await taskStatus(f.nc, ref('t4'), where())).status)
      .toBe('queued');
    const { seq } = await cancelTask(f.nc, { ...ref('t4'), reason: 'changed my mind' }, where());
    expect(seq).toBeGreaterThan(1);
    const outcome = await awaitTask(f.nc, { ...ref('t4'), timeoutMs: 5_000 }, where());
    expect(outcome).toMatchObject({ status: 'cancelled', attempts: 0, endedSeq: seq });
  });

  it('fails clearly when no dispatcher serves the pool, and for invalid names', async () => {
    await expect(taskStatus(f.nc, ref('t5'), where())).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(/no dispatcher serves pool gpu/) as unknown,
    });
    await expect(
      taskStatus(f.nc, { project: 'Bad!', pool: POOL, taskId: 't5' }, where()),
    ).rejects.toMatchObject({ code: 'invalid_input', path: 'project' });
    await expect(
      cancelTask(f.nc, { ...ref('bad id'), reason: 'x' }, where()),
    ).rejects.toMatchObject({ code: 'invalid_input', path: 'taskId' });
  });
});
