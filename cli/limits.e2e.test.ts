import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDispatcher } from '../actors/dispatcher/dispatcher.ts';
import type { Dispatcher } from '../actors/dispatcher/dispatcher.ts';
import type { FleetEvent, PoolId } from '../events/index.ts';
import { P, POOL } from '../test/support/builders.ts';
import { cliFixture } from '../test/support/cli-fixture.ts';
import type { CliFixture } from '../test/support/cli-fixture.ts';
import { readLog } from '../projections/audit/index.ts';

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

const scope = ['--project', P.health, '--pool', POOL];

/** The limit events stored so far. */
const limitEvents = async (): Promise<FleetEvent[]> => {
  const out: FleetEvent[] = [];
  await readLog(
    cli.f.log,
    (item) => {
      if ('events' in item.entry) out.push(...item.entry.events);
      return undefined;
    },
    { filter: cli.f.log.subjects.allLimits() },
  );
  return out;
};

describe('fleet limits', () => {
  it('sets, shows and clears limits; a bad one is a clear error and a recorded refusal', async () => {
    const set = await cli.run(
      'limits',
      'set',
      ...scope,
      '--budget-usd',
      '42',
      '--tasks-per-minute',
      '120',
    );
    expect(set.code, set.err).toBe(0);
    expect(set.out).toMatch(/budget \$42\.00 per month \(UTC\); rate 120 tasks\/min/);
    const shown = await cli.run('limits', 'show', '--json');
    expect(JSON.parse(shown.out)).toMatchObject([
      {
        limit: {
          project: P.health,
          pool: POOL,
          budget: { usd: 42 },
          rate: { tasksPerMinute: 120 },
        },
      },
    ]);
    for (const [args, why] of [
      [['--budget-usd', '-5'], /--budget-usd -5 must be more than 0/],
      [['--concurrency', '1e12'], /--concurrency "1e12" is not a number/],
      [['--concurrency', '5000000'], /absurd/],
      [['--model', 'gpt-9', '--concurrency', '2'], /unknown model "gpt-9"/],
      [['--budget-usd', '5', '--period', 'fortnight'], /--period "fortnight" does not parse/],
    ] as const) {
      const bad = await cli.run('limits', 'set', ...scope, ...args);
      expect(bad.code).not.toBe(0);
      expect(bad.err).toMatch(why);
    }
    const refused = (await limitEvents()).filter((e) => e.type === 'limit.refused');
    expect(refused).toHaveLength(5);
    expect(refused[3]).toMatchObject({
      data: { reason: expect.stringMatching(/gpt-9/) as unknown },
    });
    const cleared = await cli.run('limits', 'clear', ...scope);
    expect(cleared.code).toBe(0);
    expect((await cli.run('limits', 'show')).out).toMatch(/no limits in force/);
  });

  it('holds a task back on a cap, says why on fleet status, and refuses a maximum above the budget', async () => {
    expect(
      (await cli.run('limits', 'set', ...scope, '--concurrency', '1', '--budget-usd', '1')).code,
    ).toBe(0);
    await cli.f.enroll('w1', { capacity: 4 });
    for (const id of ['a', 'b'])
      expect((await cli.run('submit', ...scope, '--model', 'llama', '--id', id)).code).toBe(0);
    const reply = await cli.f.claim('w1', { waitMs: 10_000 });
    expect('assignments' in reply ? reply.assignments.map((a) => a.taskId) : reply).toEqual(['a']);
    const status = await cli.run('status', 'b', ...scope);
    expect(status.out).toMatch(/concurrency: 1 of 1 running/);
    const top = await cli.run('top', '--once');
    expect(top.out).toMatch(/waiting: health-prod\/gpu 1 task\(s\), concurrency: 1 of 1 running/);
    expect(top.out).toMatch(
      /health-prod\/gpu budget: \$0\.\d\d of \$1\.00 used this month, resets .* UTC, burning \$/,
    );
    const big = await cli.run(
      'submit',
      ...scope,
      '--id',
      'big',
      '--max-usd',
      '5',
      '--wait',
      '--wait-timeout',
      '10s',
    );
    expect(big.code).not.toBe(0);
    expect(`${big.out}${big.err}`).toMatch(/more than the whole/);
  });

  it('sets a pool capacity with a reserve, holds a task back on it, and refuses a reserve for a project the pool never saw', async () => {
    const unknown = await cli.run(
      'limits',
      'set',
      '--pool',
      POOL,
      '--capacity',
      '1',
      '--reserve',
      'ghost=1',
    );
    expect(unknown.code).not.toBe(0);
    expect(unknown.err).toMatch(/unknown project "ghost" in pool gpu/);
    const over = await cli.run(
      'limits',
      'set',
      '--pool',
      POOL,
      '--capacity',
      '2',
      '--reserve',
      `${P.health}=3`,
    );
    expect(over.err).toMatch(/reserves sum to 3, more than the pool capacity of 2/);
    expect((await limitEvents()).filter((e) => e.type === 'limit.refused')).toHaveLength(2);
    await cli.f.enroll('w1', { capacity: 4 });
    const set = await cli.run(
      'limits',
      'set',
      '--pool',
      POOL,
      '--capacity',
      '1',
      '--reserve',
      `${P.health}=1`,
    );
    expect(set.code, set.err).toBe(0);
    expect(set.out).toMatch(/pool gpu: capacity 1 running; reserved health-prod 1/);
    for (const id of ['a', 'b'])
      expect((await cli.run('submit', ...scope, '--model', 'llama', '--id', id)).code).toBe(0);
    const reply = await cli.f.claim('w1', { waitMs: 10_000 });
    expect('assignments' in reply ? reply.assignments.map((a) => a.taskId) : reply).toEqual(['a']);
    const status = await cli.run('status', 'b', ...scope);
    expect(status.out).toMatch(/pool capacity: 1 of 1 running/);
    expect((await cli.run('limits', 'show', '--pool', POOL)).out).toMatch(/capacity 1 running/);
    const cleared = await cli.run(
      'limits',
      'clear',
      '--pool',
      POOL,
      '--capacity',
      '--project',
      P.health,
    );
    expect(cleared.code, cleared.err).toBe(0);
    expect((await cli.run('limits', 'show')).out).toMatch(/no limits in force/);
  });
});
