import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PoolId, ProjectId } from '../events/index.ts';
import { P, POOL } from '../test/support/builders.ts';
import { cliFixture } from '../test/support/cli-fixture.ts';
import type { CliFixture } from '../test/support/cli-fixture.ts';

let cli: CliFixture;

beforeEach(async () => {
  cli = await cliFixture();
});
afterEach(() => cli.close());

interface Listed {
  tasks: { taskId: string; project: string; status: string; workerId: string | null }[];
  next: string | null;
}

const list = async (...args: string[]): Promise<Listed> => {
  const r = await cli.run('tasks', ...args, '--json');
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as Listed;
};
const ids = (l: Listed) => l.tasks.map((t) => t.taskId);

const vram = (value: number) => ({ labels: [{ key: 'vram', op: 'gte', value }] });

describe('fleet tasks', () => {
  beforeEach(async () => {
    await cli.f.enroll('w1', { labels: { vram: 80 } });
    await cli.f.submit(
      { taskId: 'a', requirements: { models: ['llama'], ...vram(40) } },
      { taskId: 'b', requirements: { models: ['llama'], ...vram(100) } },
    );
    await cli.f.submit({ taskId: 'c', project: P.fin });
    await cli.f.submit({ taskId: 'd', priority: 9 });
    // d is assigned and completed, c cancelled; a and b stay queued.
    const at = { at: Date.now() };
    const subjects = cli.f.log.subjects;
    const ref = { taskId: 'd', project: P.health, pool: POOL };
    await cli.f.log.append(subjects.dispatch(P.health as ProjectId, POOL as PoolId), {
      type: 'task.assigned',
      data: { ...ref, workerId: 'w1', attempt: 1, leaseExpiresAt: Date.now() + 60_000 },
      meta: at,
    } as never);
    await cli.f.report('w1', {
      type: 'task.completed',
      data: { ...ref, workerId: 'w1', attempt: 1 },
      meta: at,
    } as never);
    await cli.f.log.append(subjects.cancel(P.fin as ProjectId, POOL as PoolId), {
      type: 'task.cancelled',
      data: { taskId: 'c', project: P.fin, pool: POOL },
      meta: at,
    } as never);
  });

  it('lists every task newest first for an operator, with its status', async () => {
    const all = await list();
    expect(all.tasks.map((t) => [t.taskId, t.project, t.status])).toEqual([
      ['d', P.health, 'completed'],
      ['c', P.fin, 'cancelled'],
      ['b', P.health, 'queued'],
      ['a', P.health, 'queued'],
    ]);
    expect(all.next).toBeNull();
    const text = await cli.run('tasks', '--project', P.health, '--status', 'queued');
    expect(text.out.split('\n')[0]).toMatch(
      /^TASK +PROJECT +POOL +STATUS +PRIO +ATTEMPTS +SUBMITTED/,
    );
    expect(text.out).toMatch(/^a +health-prod +gpu +queued +0 +0\/3 +\S+ +- +llama +vram>=40$/m);
  });

  it('a project sees only its own tasks', async () => {
    expect(ids(await list('--project', P.fin))).toEqual(['c']);
    expect(ids(await list('--project', P.health))).toEqual(['d', 'b', 'a']);
    expect((await cli.run('tasks', '--project', 'nobody')).out).toBe('no tasks\n');
  });

  it('searches by status, label and time, and pages with a cursor', async () => {
    expect(ids(await list('--status', 'completed,cancelled'))).toEqual(['d', 'c']);
    // A worker labelled vram=80 would do a, not b; any constraint on vram names both.
    expect(ids(await list('--label', 'vram=80'))).toEqual(['a']);
    expect(ids(await list('--label', 'vram'))).toEqual(['b', 'a']);
    expect(ids(await list('--since', '1h'))).toHaveLength(4);
    expect(ids(await list('--until', '1h'))).toEqual([]);
    expect(ids(await list('--since', '2999-01-01T00:00:00Z'))).toEqual([]);

    const first = await list('--limit', '3');
    expect(ids(first)).toEqual(['d', 'c', 'b']);
    expect(first.next).toMatch(/^\d+\.\d+$/);
    const second = await list('--limit', '3', '--cursor', first.next ?? '');
    expect(ids(second)).toEqual(['a']);
    expect(second.next).toBeNull();
    const text = await cli.run('tasks', '--limit', '1');
    expect(text.err).toMatch(/^more: --cursor \d+\.\d+\n$/);
  });

  it('refuses a bad status, cursor or time with the form it wants', async () => {
    const status = await cli.run('tasks', '--status', 'done');
    expect(status).toMatchObject({ code: 2, out: '' });
    expect(status.err).toMatch(/--status "done": one of queued, assigned, completed/);
    expect((await cli.run('tasks', '--cursor', 'x')).err).toMatch(/--cursor "x"/);
    expect((await cli.run('tasks', '--since', 'yesterday')).err).toMatch(
      /--since "yesterday": write a time \(ISO 8601\) or a duration ago/,
    );
  });
});
