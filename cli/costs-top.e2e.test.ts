import { writeFile } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PoolId, ProjectId } from '../events/index.ts';
import { uniqueName } from '../test/harness/index.ts';
import { ev, P, POOL } from '../test/support/builders.ts';
import { cliFixture } from '../test/support/cli-fixture.ts';
import type { CliFixture } from '../test/support/cli-fixture.ts';

let cli: CliFixture;

beforeEach(async () => {
  cli = await cliFixture();
});
afterEach(() => cli.close());

/** Two tenants' work: assigned, done (one with a cost, one with tokens only), one refused claim. */
const history = async () => {
  const { f } = cli;
  const s = f.log.subjects;
  await f.enroll('w1', { models: ['llama'], capacity: 2 });
  await f.enroll('wf', { project: P.fin, models: ['mistral-7b'] });
  await f.submit({ taskId: 't1' }, { taskId: 't2' });
  await f.submit({ taskId: 'f1', project: P.fin, requirements: { models: ['mistral-7b'] } });
  const work = async (taskId: string, workerId: string, project: string, usage: object) => {
    const ref = { taskId, project, pool: POOL, workerId, attempt: 1 };
    await f.log.append(s.dispatch(project as ProjectId, POOL as PoolId), {
      type: 'task.assigned',
      data: { ...ref, leaseExpiresAt: Date.now() + 60_000 },
      meta: { at: Date.now() },
    });
    await f.report(workerId, ev('task.completed', { ...ref, usage }), project);
  };
  await work('t1', 'w1', P.health, {
    tokensIn: 1000,
    tokensOut: 500,
    costUsd: 1.5,
    durationMs: 2000,
  });
  await work('f1', 'wf', P.fin, { tokensIn: 2_000_000, tokensOut: 1_000_000, durationMs: 500 });
  await f.log.append(s.rejected(P.fin as ProjectId, POOL as PoolId), {
    type: 'claim.rejected',
    data: { workerId: 'w1', project: P.fin, pool: POOL, reason: 'cross_project', detail: 'x' },
    meta: { at: Date.now() },
  });
};

describe('fleet costs', () => {
  it('prints the rollup per project, pool and model, as JSON or a table', async () => {
    await history();
    const json = await cli.run('costs', '--json');
    expect(json).toMatchObject({ code: 0, err: '' });
    const parsed = JSON.parse(json.out) as {
      position: number;
      total: { completed: number; costUsd: number };
      rows: { project: string; model: string; costUsd: number; estimatedUsd: number }[];
    };
    expect(parsed.position).toBe(9);
    // fin's tokens are priced from the default table: mistral-7b at $0.15 per million each way.
    expect(parsed.rows.map((r) => [r.project, r.model, r.costUsd, r.estimatedUsd])).toEqual([
      [P.fin, 'mistral-7b', 0.45, 0.45],
      [P.health, 'llama', 1.5, 0],
    ]);
    expect(parsed.total).toMatchObject({ completed: 2, costUsd: 1.95 });

    const table = await cli.run('costs', '--since', '24h');
    expect(table.code).toBe(0);
    const lines = table.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^PROJECT\s+POOL\s+MODEL\s+TASKS\s+FAILURES\s+TOKENS IN\s+TOKENS OUT\s+COST\s+COMPUTE S$/,
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^health-prod\s+gpu\s+llama\s+1\s+0\s+1,000\s+500\s+\$1\.50\s+2\.0$/),
    );
    expect(lines.at(-1)).toMatch(/^TOTAL\s+2\s+0\s+2,001,000\s+1,000,500\s+\$1\.95\s+2\.5$/);
  });

  it('shows a project only its own costs, and takes a price table', async () => {
    await history();
    const prices = join(tmpdir(), `${uniqueName('prices')}.json`);
    await writeFile(
      prices,
      JSON.stringify({ 'mistral-7b': { inPerMillion: 1, outPerMillion: 2 } }),
    );
    const fin = await cli.run('costs', '--project', P.fin, '--json', '--prices', prices, '--fresh');
    expect(fin.code).toBe(0);
    expect(fin.out).not.toMatch(/health|"w1"/);
    expect(JSON.parse(fin.out)).toMatchObject({
      project: P.fin,
      total: { costUsd: 4 },
      rows: [{ model: 'mistral-7b' }],
    });
    const bad = await cli.run('costs', '--project', 'Not A Project');
    expect(bad).toMatchObject({ code: 2, out: '' });
    expect(bad.err).toMatch(/^error \[invalid_input\]: "Not A Project" is not a project name/);
  });
});

describe('fleet top', () => {
  it('prints one frame with --once: workers, queues, last minute, latency, cost, rejections', async () => {
    await history();
    const r = await cli.run('top', '--once');
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).not.toContain('\x1b[');
    expect(r.out).toMatch(/WORKERS {2}idle 2 {2}busy 0 .* load 0\/3/);
    expect(r.out).toMatch(/LAST MINUTE {2}2 completed, 0 failed/);
    expect(r.out).toMatch(/LATENCY {2}submit→assign p50 \S+ {2}p99 \S+ {2}\(n=2\)/);
    expect(r.out).toMatch(/health-prod\s+gpu\s+1\s+\S+\s+1\s+0\s+0\/2/); // t2 queued, w1 idle
    expect(r.out).toMatch(/waiting: health-prod\/gpu 1 task\(s\), 1 of 1 eligible free/);
    expect(r.out).toMatch(/fin-prod\s+1\s+0\s+3000000\s+\$0\.4500/);
    expect(r.out).toMatch(
      /REJECTIONS {2}1 \(claims 1.*\n\s+seq 9 claim fin-prod\/gpu cross_project/,
    );

    const fin = await cli.run('top', '--once', '--project', P.fin);
    expect(fin.code).toBe(0);
    expect(fin.out).not.toMatch(/health|"w1"|w1/);
    expect(fin.out).toMatch(/WORKERS {2}idle 1 /);
  });

  it('prints one block per refresh, without terminal codes, when not on a terminal', async () => {
    await history();
    const r = await cli.start(['top', '--interval', '100ms']);
    await expect
      .poll(() => r.stdout().match(/^fleet top /gm)?.length ?? 0, { timeout: 10_000 })
      .toBeGreaterThan(2);
    expect(await r.stop()).toBe(0);
    expect(r.stdout()).not.toContain('\x1b');
    // Each block whole, once: the title, then every section once.
    for (const block of r
      .stdout()
      .trimEnd()
      .split(/\n\n(?=fleet top )/))
      expect(block.match(/^(WORKERS|TASKS|REJECTIONS) /gm)).toHaveLength(3);
  });

  it('redraws in place on a terminal, and quits on q', async () => {
    await history();
    const keys = new PassThrough();
    const r = await cli.start(['top', '--interval', '100ms'], {
      terminal: { tty: true, keys },
      ready: /WORKERS/,
    });
    await expect
      .poll(() => r.stdout().split('\x1b[H').length, { timeout: 10_000 })
      .toBeGreaterThan(2);
    keys.write('q');
    expect(await r.done).toBe(0);
    // The alternate screen, entered once and left on quitting, cursor shown again.
    expect(r.stdout().startsWith('\x1b[?1049h')).toBe(true);
    expect(r.stdout().endsWith('\x1b[?25h\x1b[?1049l')).toBe(true);
    expect(r.stdout()).not.toContain('\x1b[2J');
  });
});
