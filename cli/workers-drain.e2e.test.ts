import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PoolId, ProjectId, WorkerId } from '../events/index.ts';
import { P, POOL } from '../test/support/builders.ts';
import { cliFixture } from '../test/support/cli-fixture.ts';
import type { CliFixture } from '../test/support/cli-fixture.ts';

let cli: CliFixture;

beforeEach(async () => {
  cli = await cliFixture();
});
afterEach(() => cli.close());

const statusOf = async (workerId: string) => {
  const listed = JSON.parse((await cli.run('workers', 'list', '--json')).out) as {
    workerId: string;
    status: string;
  }[];
  return listed.find((w) => w.workerId === workerId)?.status;
};

describe('fleet workers drain', () => {
  it('stops new work for a worker while what it holds still completes', async () => {
    await cli.f.enroll('w1', { capacity: 2 });
    await cli.start(['dispatcher', '--pool', POOL], { ready: /dispatcher of pool gpu running/ });
    await cli.f.submit({ taskId: 't1' }, { taskId: 't2' });
    const first = await cli.f.claim('w1', { max: 1, waitMs: 5_000 });
    expect(first).toMatchObject({ assignments: [{ taskId: 't1', attempt: 1 }] });

    // No --project or --pool: the id is enough when it names one worker.
    const drained = await cli.run('workers', 'drain', 'w1', '--json');
    expect(drained).toMatchObject({ code: 0, err: '' });
    expect(JSON.parse(drained.out)).toMatchObject({
      workerId: 'w1',
      project: P.health,
      pool: POOL,
      held: 1,
    });
    expect(await statusOf('w1')).toBe('draining');

    // t2 waits in the queue: the dispatcher refuses the draining worker's claims.
    await expect
      .poll(() => cli.f.claim('w1', { waitMs: 0 }))
      .toMatchObject({ refused: { reason: 'worker_draining' } });
    // What it holds it may still report.
    await cli.f.report('w1', {
      type: 'task.completed',
      data: { taskId: 't1', project: P.health, pool: POOL, workerId: 'w1', attempt: 1 },
      meta: { at: Date.now() },
    } as never);
    await expect
      .poll(async () => (await cli.run('status', 't1', '--project', P.health, '--pool', POOL)).out)
      .toMatch(/completed/);

    // A second drain is refused: the worker is no longer active.
    const again = await cli.run('workers', 'drain', 'w1');
    expect(again.code).toBe(2);
    expect(again.err).toBe('error [refused]: worker w1 is draining\n');
  });

  it('names the worker when the id is unknown or ambiguous', async () => {
    await cli.f.enroll('w1');
    // One id in two pools (a pool's fold knows a worker id once).
    const { log } = cli.f;
    await log.append(log.subjects.member(P.fin as ProjectId, 'cpu' as PoolId, 'w1' as WorkerId), {
      type: 'worker.enrolled',
      data: { workerId: 'w1', project: P.fin, pool: 'cpu', keyId: 'k2' },
      meta: { at: Date.now() },
    } as never);
    const unknown = await cli.run('workers', 'drain', 'w9', '--pool', POOL);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toBe(`error [refused]: no worker w9 enrolled in pool ${POOL}\n`);
    const ambiguous = await cli.run('workers', 'drain', 'w1');
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.err).toMatch(/worker w1 is enrolled in .*: say which with --project/);
    const chosen = await cli.run('workers', 'drain', 'w1', '--project', P.fin);
    expect(chosen.code).toBe(0);
    expect(chosen.out).toMatch(/^worker w1 of project fin-prod, pool cpu draining \(seq \d+\)/);
  });

  it('a running `fleet worker` finishes its task, then leaves the pool', async () => {
    await cli.start(['up', '--pools', POOL, '--no-hud'], { ready: /fleet is up/ });
    const key = await cli.run('keys', 'create', '--project', P.health, '--pool', POOL);
    const token = key.out.split('\n')[0] ?? '';
    // The task runs until the test lets it go: a file it waits for.
    const gate = `/tmp/${cli.f.log.stream}.go`;
    const worker = await cli.start(
      ['worker', '--exec', `while [ ! -e ${gate} ]; do sleep 0.05; done; cat`, '--capacity', '2'],
      { env: { FLEET_KEY: token }, ready: /claiming work/ },
    );
    const workerId = /worker (\S+) enrolled/.exec(worker.stdout())?.[1] ?? '';
    const task = ['--project', P.health, '--pool', POOL];
    expect((await cli.run('submit', ...task, '--id', 'held', '--payload', '1')).code).toBe(0);
    await expect.poll(() => worker.stdout()).toMatch(/task held attempt 1: started/);

    expect((await cli.run('workers', 'drain', workerId)).code).toBe(0);
    await expect.poll(() => worker.stdout()).toMatch(/draining: no new work/);
    expect((await cli.run('submit', ...task, '--id', 'later')).code).toBe(0);
    const { writeFile, rm } = await import('node:fs/promises');
    await writeFile(gate, '');
    try {
      await expect.poll(() => worker.stdout()).toMatch(/left the pool/);
    } finally {
      await rm(gate, { force: true });
    }
    expect(worker.stdout()).toMatch(/task held attempt 1: completed/);
    expect(worker.stdout()).not.toMatch(/task later/);
    expect(await statusOf(workerId)).toBe('left');
    // The worker's own drain did not write a second worker.draining: no refusal in the log.
    const events = await cli.run('events', '--worker', workerId, '--json');
    const lines = events.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; effect: string });
    expect(lines.filter((e) => e.type === 'worker.draining')).toEqual([
      expect.objectContaining({ effect: 'applied' }),
    ]);
    expect(lines.at(-1)).toMatchObject({ type: 'worker.left', effect: 'applied' });
  });
});
