import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PoolId, ProjectId } from '../events/index.ts';
import { P, POOL } from '../test/support/builders.ts';
import { cliFixture } from '../test/support/cli-fixture.ts';
import type { CliFixture } from '../test/support/cli-fixture.ts';

let cli: CliFixture;

beforeEach(async () => {
  cli = await cliFixture();
  await cli.f.enroll('w1');
  await cli.f.submit(
    { taskId: 'dead', maxAttempts: 1, payload: { q: 'again' } },
    { taskId: 'alive' },
  );
  // dead's only attempt fails retryably: it is dead-lettered; alive stays queued.
  const at = { at: Date.now() };
  const ref = { taskId: 'dead', project: P.health, pool: POOL };
  await cli.f.log.append(cli.f.log.subjects.dispatch(P.health as ProjectId, POOL as PoolId), {
    type: 'task.assigned',
    data: { ...ref, workerId: 'w1', attempt: 1, leaseExpiresAt: Date.now() + 60_000 },
    meta: at,
  } as never);
  await cli.f.report('w1', {
    type: 'task.failed',
    data: { ...ref, workerId: 'w1', attempt: 1, error: { message: 'upstream down' } },
    meta: at,
  } as never);
});
afterEach(() => cli.close());

const listed = async () => {
  const r = await cli.run('dlq', 'list', '--json');
  expect(r.code).toBe(0);
  return (JSON.parse(r.out) as { deadLetters: { taskId: string; attempts: number }[] }).deadLetters;
};

describe('fleet dlq', () => {
  it('lists and shows the dead letters, and redrives one: it is queued again', async () => {
    expect(await listed()).toMatchObject([{ taskId: 'dead', attempts: 1 }]);
    const table = await cli.run('dlq', 'list');
    expect(table.out).toMatch(/^TASK\s+PROJECT\s+POOL\s+ATTEMPTS/m);
    expect(table.out).toMatch(/^dead\s+health-prod\s+gpu\s+1\/1/m);

    const show = await cli.run('dlq', 'show', 'dead');
    expect(show.code).toBe(0);
    expect(show.out).toContain('task dead of health-prod/gpu: dead-lettered');
    expect(show.out).toContain('payload: {"q":"again"}');
    expect(show.out).toMatch(/task\.failed .*upstream down|task\.failed/);

    const redrive = await cli.run('dlq', 'redrive', 'dead', '--reason', 'upstream is back');
    expect(redrive.code).toBe(0);
    expect(redrive.out).toMatch(/redrive of task dead of health-prod\/gpu stored \(seq \d+\)/);
    expect(await listed()).toEqual([]);
    const tasks = await cli.run('tasks', '--status', 'queued', '--json');
    const rows = (JSON.parse(tasks.out) as { tasks: { taskId: string; attempts: number }[] }).tasks;
    // Queued again with its one attempt behind it: the next is attempt 2, of a fresh allowance.
    expect(rows.find((t) => t.taskId === 'dead')).toMatchObject({
      status: 'queued',
      attempts: 1,
      maxAttempts: 2,
    });
  });

  it('redrives nothing for a task that is not dead-lettered, says so and exits 1', async () => {
    const r = await cli.run('dlq', 'redrive', 'alive');
    expect(r.code).toBe(1);
    expect(r.err).toContain('task alive is not dead-lettered: not redriven');
    expect(r.out).toBe('');
    expect(await listed()).toMatchObject([{ taskId: 'dead' }]);
    const neither = await cli.run('dlq', 'redrive');
    expect(neither.code).not.toBe(0);
    expect(neither.err).toContain('name the tasks to redrive, or pass --all');
  });

  it('redrives every dead letter of a project with --all', async () => {
    const r = await cli.run('dlq', 'redrive', '--all', '--project', P.health);
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toHaveLength(1);
    expect(await listed()).toEqual([]);
  });
});
