import { describe, expect, inject, it } from 'vitest';
import { uniqueName } from '../test/harness/index.ts';
import { runLoad } from './load.ts';

describe('the load example', () => {
  it('runs 300 mixed tasks on 24 workers of 3 tenants, survives a killed worker, leaks nothing', async () => {
    const lines: string[] = [];
    const result = await runLoad({
      natsUrl: inject('natsUrl'),
      root: uniqueName('load'),
      stream: uniqueName('load').toUpperCase(),
      tasks: 300,
      hudPort: 0,
      limitMs: 60_000,
      log: (line) => lines.push(line),
    });
    const { report } = result;

    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    // Isolation, from the stream.
    expect(report.crossTenantAssignments).toBe(0);
    expect(report.foreignCompletions).toBe(0);
    // A clean log of the load example audits clean, with every task accounted for.
    expect(result.audit.violations).toEqual([]);
    expect(result.audit.ok).toBe(true);
    expect(result.audit.counts.tasks.total).toBe(300);
    expect(result.audit.counts.tasks.queued + result.audit.counts.tasks.assigned).toBe(0);
    expect(result.audit.counts.tasks.completed).toBe(result.ended['completed']);
    expect(result.audit.counts.assignments).toBeGreaterThan(300);
    expect(report.tenants.map((t) => [t.project, t.tasks, t.workers])).toEqual([
      ['fin-prod', 100, 8],
      ['health-prod', 100, 8],
      ['media-prod', 100, 8],
    ]);
    // Nothing lost: every task ended, the deliberately failing ones dead-lettered or failed.
    const ended = Object.values(result.ended).reduce((a, b) => a + b, 0);
    expect(ended).toBe(300);
    expect(
      report.unfinished.every((u) => u.status === 'dead_lettered' || u.status === 'failed'),
    ).toBe(true);
    expect(result.ended['completed']).toBeGreaterThan(270);
    // The killed worker held work: declared lost, its attempts were requeued and ran elsewhere.
    expect(report.requeued).toBeGreaterThan(0);
    expect(result.killed?.held.length).toBeGreaterThan(0);
    expect(result.rerouted).toBeGreaterThan(0);
    for (const t of report.tenants) expect(t.costUsd).toBeGreaterThan(0);
    expect(result.throughput).toBeGreaterThan(0);
    expect(result.latency.toComplete.p99).toBeGreaterThanOrEqual(result.latency.toComplete.p50);
    // The narration: the HUD's URL with its token, the audit, the verdict.
    expect(lines.some((l) => /HUD http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}/.test(l))).toBe(
      true,
    );
    expect(lines.some((l) => /✔ 0 cross-tenant assignments/.test(l))).toBe(true);
    expect(lines.some((l) => /✔ 0 violations found by the independent audit/.test(l))).toBe(true);
    expect(lines.some((l) => /submit → complete: p50 \d+ ms/.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/^PASS 0 cross-tenant assignments; 300 tasks ended as meant/);
  });
});
