import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDispatcher } from '../actors/dispatcher/dispatcher.ts';
import type { Dispatcher } from '../actors/dispatcher/dispatcher.ts';
import { taskKey } from '../domain/pool/index.ts';
import type { PoolId } from '../events/index.ts';
import { P, POOL } from '../test/support/builders.ts';
import { fleetFixture } from '../test/support/fleet-fixture.ts';
import type { FleetFixture } from '../test/support/fleet-fixture.ts';
import { InvalidInputError } from './invalid-input-error.ts';
import { submitTask } from './submit-task.ts';
import { submitTasks } from './submit-tasks.ts';
import type { TaskInput } from './task-input.ts';

let f: FleetFixture;
let d: Dispatcher;

beforeEach(async () => {
  f = await fleetFixture();
  d = await startDispatcher({ log: f.log, pool: POOL as PoolId });
});
afterEach(async () => {
  await d.stop();
  await f.close();
});

const root = () => f.log.subjects.root;
const stored = async () => (await f.log.jsm.streams.info(f.log.stream)).state.messages;
const task = (over: Record<string, unknown> = {}) =>
  ({ project: P.health, pool: POOL, requirements: { models: ['llama'] }, ...over }) as TaskInput;

describe('submitTask', () => {
  it('publishes a valid task.submitted that the pool’s dispatcher queues', async () => {
    const { taskId, seq } = await submitTask(f.nc, task({ priority: 5, payload: { n: 1 } }), {
      root: root(),
    });
    expect(taskId).toMatch(/^[0-9a-f-]{36}$/);
    expect(seq).toBe(1);
    await expect
      .poll(() => d.host.state.tasks.get(taskKey(P.health, taskId))?.status)
      .toBe('queued');
    expect(d.host.state.tasks.get(taskKey(P.health, taskId))).toMatchObject({
      priority: 5,
      payload: { n: 1 },
      maxAttempts: 3,
    });
    const chosen = await submitTask(f.nc, task({ taskId: 'mine-1' }), { root: root() });
    expect(chosen).toEqual({ taskId: 'mine-1', seq: 2 });
  });

  it.each([
    ['a bad project name', { project: 'Health Prod' }, 'project'],
    ['a priority that is not a number', { priority: 'high' }, 'priority'],
    [
      'a model name of the wrong format',
      { requirements: { models: ['llama 3'] } },
      'requirements.models.0',
    ],
    ['an unknown field', { colour: 'red' }, ''],
  ])(
    'refuses %s with a typed error naming the field, publishing nothing',
    async (_, over, path) => {
      const attempt = submitTask(f.nc, task(over), { root: root() });
      await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
      await expect(attempt).rejects.toMatchObject({ code: 'invalid_input', path });
      await expect(attempt).rejects.toThrow(path === '' ? /colour/ : new RegExp(`: ${path}: `));
      expect(await stored()).toBe(0);
    },
  );
});

describe('submitTasks', () => {
  it('sends 2,500 tasks of one project and pool as three batch messages, all queued', async () => {
    const inputs = Array.from({ length: 2_500 }, (_, i) => task({ taskId: `b${i}` }));
    const result = await submitTasks(f.nc, inputs, { root: root() });
    expect(result).toHaveLength(2_500);
    expect(result[0]?.taskId).toBe('b0');
    expect(new Set(result.map((r) => r.seq)).size).toBe(3);
    expect(result.filter((r) => r.seq === result[0]?.seq)).toHaveLength(1_000);
    expect(await stored()).toBe(3);
    await expect
      .poll(() => [...d.host.state.tasks.values()].filter((t) => t.status === 'queued').length)
      .toBe(2_500);
  });

  it('groups by project and pool, and validates every task before publishing any', async () => {
    const mixed = [task({ taskId: 'h1' }), task({ taskId: 'f1', project: P.fin }), task()];
    const result = await submitTasks(f.nc, mixed, { root: root() });
    expect(new Set(result.map((r) => r.seq)).size).toBe(2);
    expect(result[0]?.seq).toBe(result[2]?.seq);
    const bad = [task({ taskId: 'ok' }), task({ maxAttempts: 0 })];
    await expect(submitTasks(f.nc, bad, { root: root() })).rejects.toMatchObject({
      code: 'invalid_input',
      path: '1.maxAttempts',
    });
    expect(await stored()).toBe(2);
  });
});
