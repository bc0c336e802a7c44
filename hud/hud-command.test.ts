import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { hudTokens } from '../cli/commands/hud.ts';
import { runCaptured } from '../cli/run-captured.ts';
import { snapshotBucket } from '../cli/snapshot-bucket.ts';
import type { CapturedRun } from '../cli/run-captured.ts';
import { projectionBucket } from '../projections/index.ts';
import { fleetFixture } from '../test/support/fleet-fixture.ts';
import type { FleetFixture } from '../test/support/fleet-fixture.ts';

let f: FleetFixture;
const running: { run: CapturedRun; stop: AbortController }[] = [];

beforeEach(async () => {
  f = await fleetFixture();
});
afterEach(async () => {
  for (const r of running.splice(0)) {
    r.stop.abort();
    await r.run.done;
  }
  for (const bucket of [
    projectionBucket(f.log.stream, f.log.subjects.root),
    snapshotBucket(f.log.stream, f.log.subjects.root),
  ])
    await f.log.jsm.streams.delete(`KV_${bucket}`).catch(() => undefined);
  await f.close();
});

const globals = () => [
  '--nats',
  inject('natsUrl'),
  '--root',
  f.log.subjects.root,
  '--stream',
  f.log.stream,
];
const start = (
  args: string[],
  env: Record<string, string> = {},
  command = ['hud', '--port', '0'],
) => {
  const stop = new AbortController();
  const run = runCaptured([...globals(), ...command, ...args], {
    signal: stop.signal,
    env,
  });
  const handle = { run, stop };
  running.push(handle);
  return handle;
};
const urlIn = async (run: CapturedRun): Promise<string> => {
  await expect.poll(() => run.stdout(), { timeout: 10_000 }).toMatch(/HUD at http/);
  return /HUD at (http:\/\/\S+)/.exec(run.stdout())?.[1] ?? '';
};
const scopeOf = async (url: string, token: string) => {
  const res = await fetch(new URL('/api/snapshot', url), {
    headers: { authorization: `Bearer ${token}` },
  });
  return res.status === 200 ? ((await res.json()) as { scope: unknown }).scope : res.status;
};

describe('fleet hud', () => {
  it('generates an operator token when given none and shows the URL with it, once', async () => {
    const hud = start([]);
    const url = await urlIn(hud.run);
    const token = new URL(url).searchParams.get('token') ?? '';
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect(hud.run.stdout().split(token)).toHaveLength(2);
    expect(await scopeOf(url, token)).toEqual({ kind: 'operator' });
    expect(await scopeOf(url, 'not-the-token-at-all')).toBe(401);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<title>Fleet · mission control<\/title>/);

    running.splice(running.indexOf(hud), 1);
    hud.stop.abort();
    expect(await hud.run.done).toBe(0);
    expect(hud.run.stdout()).toMatch(/stopping the HUD\n$/);
    await expect(fetch(url)).rejects.toThrow();
  });

  it('takes tokens from flags and the environment, and never prints them', async () => {
    const operator = 'env-operator-token-0123456789';
    const alpha = 'alpha-project-token-0123456789';
    const hud = start(['--project-token', `alpha=${alpha}`], {
      FLEET_HUD_OPERATOR_TOKEN: operator,
    });
    const url = await urlIn(hud.run);
    expect(url).not.toContain('token=');
    expect(await scopeOf(url, operator)).toEqual({ kind: 'operator' });
    expect(await scopeOf(url, alpha)).toEqual({ kind: 'project', project: 'alpha' });
    expect(hud.run.stdout() + hud.run.stderr()).not.toMatch(/0123456789/);
  });

  it('refuses malformed tokens without echoing them', async () => {
    const bad = runCaptured([...globals(), 'hud', '--project-token', 'Not A Project=secret-value']);
    expect(await bad.done).toBe(2);
    expect(bad.stderr()).toMatch(/^error \[invalid_input\]: --project-token: write <project>=/);
    expect(bad.stderr()).not.toContain('secret-value');
    expect(() => hudTokens({ operatorToken: ['short'] }, {})).toThrow(/at least 16 characters/);
    expect(() =>
      hudTokens(
        { operatorToken: ['same-token-0123456789'], projectToken: ['a=same-token-0123456789'] },
        {},
      ),
    ).toThrow(/differ from every project token/);
    const none = hudTokens({}, {});
    expect(none.generated).toBeDefined();
    expect(none.tokens.operator).toEqual([none.generated]);
  });

  it('is started by fleet up too', async () => {
    const up = start([], {}, ['up', '--pools', 'gpu', '--hud-port', '0']);
    const url = await urlIn(up.run);
    expect(up.run.stdout()).toMatch(/dispatchers: gpu\nHUD at /);
    const token = new URL(url).searchParams.get('token') ?? '';
    expect(await scopeOf(url, token)).toEqual({ kind: 'operator' });
    running.splice(running.indexOf(up), 1);
    up.stop.abort();
    expect(await up.run.done).toBe(0);
    await expect(fetch(url)).rejects.toThrow();
  });
});
