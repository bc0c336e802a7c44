import { describe, expect, inject, it } from 'vitest';
import { uniqueName } from '../test/harness/index.ts';
import { runMultiTenant } from './multi-tenant.ts';

describe('the multi-tenant example', () => {
  it('keeps every task in its tenant, completes them all, and refuses the cross-tenant claim', async () => {
    const lines: string[] = [];
    const result = await runMultiTenant({
      natsUrl: inject('natsUrl'),
      root: uniqueName('mt'),
      stream: uniqueName('mt').toUpperCase(),
      log: (line) => lines.push(line),
    });
    const { report } = result;

    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    // Isolation, from the stream: no assignment and no effective completion crossed tenants.
    expect(report.crossTenantAssignments).toBe(0);
    expect(report.foreignCompletions).toBe(0);
    // Every task completed, and on its first attempt: no assignment was lost on the way.
    expect(report.unfinished).toEqual([]);
    expect(report.requeued).toBe(0);
    expect(report.tenants.map((t) => [t.project, t.tasks, t.completed, t.workers])).toEqual([
      ['fin-prod', 20, 20, 2],
      ['health-prod', 20, 20, 2],
    ]);
    for (const t of report.tenants) {
      expect(t.tokens).toBeGreaterThan(0);
      expect(t.costUsd).toBeGreaterThan(0);
    }
    // The refusal: answered with its reason, and stored once as claim.rejected on fin-prod.
    expect(result.refusal?.reason).toBe('cross_project');
    expect(report.refusedClaims['cross_project']).toBe(1);
    const stored = report.claimRejections.filter((r) => r.event.data.reason === 'cross_project');
    expect(stored).toHaveLength(1);
    expect(stored[0]?.seq).toBe(result.refusalSeq);
    expect(stored[0]?.event.data).toMatchObject({ project: 'fin-prod', pool: 'gpu' });
    // Readable output: the refusal line and the summary table are there.
    expect(lines.some((l) => /REFUSED: cross_project/.test(l))).toBe(true);
    expect(lines.some((l) => /^\s+tenant\s+tasks\s+completed\s+workers\s+tokens/.test(l))).toBe(
      true,
    );
    expect(lines.at(-1)).toMatch(/^PASS/);
  });
});
