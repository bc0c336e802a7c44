import { describe, expect, it } from 'vitest';
import { runMultiTenant } from '../examples/multi-tenant.ts';
import { uniqueName } from '../test/harness/index.ts';

describe('the multi-tenant example, run secure', () => {
  it('shows the server refusing the cross-tenant claim, and the dispatcher refusing it too', async () => {
    const lines: string[] = [];
    const root = uniqueName('mts');
    const result = await runMultiTenant({
      natsUrl: 'unused: the secure run starts its own server',
      secure: true,
      root,
      stream: uniqueName('mts').toUpperCase(),
      tasks: 20,
      log: (line) => lines.push(line),
    });
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    // The server's refusal names the fin-prod claim subject of the health-prod worker.
    const intruder = /health-prod worker (\S+) claims fin-prod work/.exec(lines.join('\n'))?.[1];
    expect(intruder).toBeDefined();
    const subject = `${root}_rpc.fin-prod.gpu.${intruder ?? ''}.claim`;
    expect(result.serverRefusal).toBe(`Permissions Violation for Publish to "${subject}"`);
    expect(lines.some((l) => l.includes(`REFUSED BY NATS: Permissions Violation`))).toBe(true);
    // The dispatcher's refusal, from the operator's connection, recorded as before.
    expect(result.refusal?.reason).toBe('cross_project');
    expect(result.report.refusedClaims['cross_project']).toBe(1);
    expect(result.report.crossTenantAssignments).toBe(0);
    expect(result.report.foreignCompletions).toBe(0);
    expect(result.report.unfinished).toEqual([]);
    expect(lines.at(-1)).toMatch(/^PASS/);
  });
});
