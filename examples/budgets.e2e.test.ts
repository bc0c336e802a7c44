import { describe, expect, inject, it } from 'vitest';
import { uniqueName } from '../test/harness/index.ts';
import { runBudgets } from './budgets.ts';

describe('the budgets example', () => {
  it('stops acme at its budget, holds globex to its rate, explains both waits, and audits no breach', async () => {
    const lines: string[] = [];
    const r = await runBudgets({
      natsUrl: inject('natsUrl'),
      root: uniqueName('bu'),
      stream: uniqueName('bu').toUpperCase(),
      log: (line) => lines.push(line),
    });
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    // $0.05 spent a task, $0.10 reserved: the budget stops acme short of its 20 tasks.
    expect(r.spent).toBeLessThanOrEqual(r.budget);
    expect(r.completed['acme']).toBeGreaterThan(0);
    expect(r.completed['acme']).toBeLessThan(20);
    expect(r.completed['globex']).toBe(6);
    expect(r.completed['initech']).toBe(20);
    expect(r.waits['acme']).toMatch(
      /^budget: \$0\.\d\d of \$0\.50 used this month, resets \d{4}-\d\d-01 00:00 UTC$/,
    );
    expect(r.waits['globex']).toMatch(/^rate: 6 of 6 tasks this minute, next slot in \d+ s$/);
    expect(r.breaches).toBe(0);
    expect(r.violations).toBe(0);
    expect(
      lines.some((l) =>
        /audit: \d+ assignments re-derived against every limit: 0 breaches/.test(l),
      ),
    ).toBe(true);
  });
});
