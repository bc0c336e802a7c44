import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDispatcher } from '../actors/dispatcher/dispatcher.ts';
import type { Dispatcher } from '../actors/dispatcher/dispatcher.ts';
import type { PoolId } from '../events/index.ts';
import { P, POOL } from '../test/support/builders.ts';
import { cliFixture } from '../test/support/cli-fixture.ts';
import type { CliFixture } from '../test/support/cli-fixture.ts';

// `fleet submit --delay/--not-before` and `fleet status --follow` on a real nats-server.

let cli: CliFixture;
let d: Dispatcher;

beforeEach(async () => {
  cli = await cliFixture();
  d = await startDispatcher({ log: cli.f.log, pool: POOL as PoolId });
});
afterEach(async () => {
  await d.stop();
  await cli.close();
});

const task = ['--project', P.health, '--pool', POOL];
const stored = async () => (await cli.f.log.jsm.streams.info(cli.f.log.stream)).state.messages;

describe('fleet submit --delay', () => {
  it('holds the task until its time, and says why it waits', async () => {
    const r = await cli.run('submit', ...task, '--id', 'later', '--delay', '1h');
    expect(r).toMatchObject({ code: 0, out: 'later\n' });
    await expect
      .poll(async () => (await cli.run('status', 'later', ...task)).out, { timeout: 15_000 })
      .toMatch(/^queued after 0 attempts; waiting: not before \S+Z, as submitted\n$/);
    const at = await cli.run('submit', ...task, '--id', 'at', '--not-before', '2099-01-01');
    expect(at.code).toBe(2);
    expect(at.err).toMatch(
      /^error \[invalid_input\]: --not-before "2099-01-01" is more than 30 days ahead/,
    );
  });

  it('refuses a delay that is negative, too long, or no time, storing nothing', async () => {
    const before = await stored();
    for (const [args, words] of [
      [['--delay', '31d'], /--delay "31d" is over 30 days/],
      [['--delay', 'soon'], /--delay "soon" is not a duration/],
      [['--delay=-5s'], /--delay "-5s" is not a duration/],
      [['--not-before', 'tomorrow'], /--not-before "tomorrow" is not a time/],
      [['--delay', '1m', '--not-before', '0'], /give --delay or --not-before, not both/],
    ] as const) {
      const r = await cli.run('submit', ...task, ...args);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(words);
    }
    expect(await stored()).toBe(before);
  });
});

describe('fleet status --follow', () => {
  it('prints a running task’s progress on stderr and its partial output on stdout, then its end', async () => {
    await cli.f.enroll('w1');
    expect((await cli.run('submit', ...task, '--id', 'long', '--model', 'llama')).code).toBe(0);
    const reply = await cli.f.claim('w1', { waitMs: 10_000 });
    const a = 'assignments' in reply ? reply.assignments[0] : undefined;
    expect(a?.taskId).toBe('long');
    const base = { taskId: 'long', project: P.health, pool: POOL, workerId: 'w1', attempt: 1 };
    await cli.f.report('w1', {
      type: 'task.progress',
      data: { ...base, done: 1, total: 2, message: 'halfway', output: 'first line\n' },
      meta: { at: Date.now() },
    } as never);
    const follow = await cli.start(['status', 'long', ...task, '--follow']);
    await expect.poll(() => follow.stdout(), { timeout: 15_000 }).toBe('first line\n');
    await expect
      .poll(() => follow.stderr(), { timeout: 15_000 })
      .toContain('assigned after 1 attempt; progress 1/2 (50%): halfway');
    expect((await cli.run('status', 'long', ...task)).out).toMatch(
      /^assigned after 1 attempt; progress 1\/2 \(50%\): halfway\n/,
    );
    await cli.f.report('w1', {
      type: 'task.completed',
      data: { ...base, output: 'all done' },
      meta: { at: Date.now() },
    } as never);
    expect(await follow.done).toBe(0);
    expect(follow.stdout()).toMatch(/^first line\ncompleted after 1 attempt\noutput: "all done"\n/);
  });
});
