import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hudTokens } from '../cli/commands/hud.ts';
import { cliFixture } from '../test/support/cli-fixture.ts';
import type { CliFixture } from '../test/support/cli-fixture.ts';

let cli: CliFixture;

beforeEach(async () => {
  cli = await cliFixture();
});
afterEach(() => cli.close());

/** Starts `fleet <args>` (with `env`) and waits for the HUD's URL, which it prints. */
const startHud = async (args = ['hud', '--port', '0'], env: Record<string, string> = {}) => {
  const hud = await cli.start(args, { env, ready: /HUD at http/ });
  return { hud, url: /HUD at (http:\/\/\S+)/.exec(hud.stdout())?.[1] ?? '' };
};

const scopeOf = async (url: string, token: string) => {
  const res = await fetch(new URL('/api/snapshot', url), {
    headers: { authorization: `Bearer ${token}` },
  });
  return res.status === 200 ? ((await res.json()) as { scope: unknown }).scope : res.status;
};

describe('fleet hud', () => {
  it('generates an operator token when given none and shows the URL with it, once', async () => {
    const { hud, url } = await startHud();
    const token = new URL(url).searchParams.get('token') ?? '';
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect(hud.stdout().split(token)).toHaveLength(2);
    expect(await scopeOf(url, token)).toEqual({ kind: 'operator' });
    expect(await scopeOf(url, 'not-the-token-at-all')).toBe(401);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<title>Fleet · mission control<\/title>/);

    expect(await hud.stop()).toBe(0);
    expect(hud.stdout()).toMatch(/stopping the HUD\n$/);
    await expect(fetch(url)).rejects.toThrow();
  });

  it('takes tokens from flags and the environment, and never prints them', async () => {
    const operator = 'env-operator-token-0123456789';
    const alpha = 'alpha-project-token-0123456789';
    const { hud, url } = await startHud(
      ['hud', '--port', '0', '--project-token', `alpha=${alpha}`],
      { FLEET_HUD_OPERATOR_TOKEN: operator },
    );
    expect(url).not.toContain('token=');
    expect(await scopeOf(url, operator)).toEqual({ kind: 'operator' });
    expect(await scopeOf(url, alpha)).toEqual({ kind: 'project', project: 'alpha' });
    expect(hud.stdout() + hud.stderr()).not.toMatch(/0123456789/);
    // The command hands the HUD the CLI's task read and worker actions (without them: 501).
    const tasks = await fetch(new URL('/api/tasks', url), {
      headers: { authorization: `Bearer ${alpha}` },
    });
    expect(tasks.status).toBe(200);
    expect(await tasks.json()).toMatchObject({ scope: { project: 'alpha' }, total: 0 });
    for (const action of ['drain', 'revoke']) {
      const res = await fetch(new URL(`/api/actions/${action}`, url), {
        method: 'POST',
        headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
        body: JSON.stringify({ project: 'alpha', pool: 'gpu', workerId: 'w-nobody' }),
      });
      expect(res.status, action).toBe(409);
      expect(await res.json()).toMatchObject({ error: 'unknown_worker' });
    }
  });

  it('refuses malformed tokens without echoing them', async () => {
    const bad = await cli.run('hud', '--project-token', 'Not A Project=secret-value');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^error \[invalid_input\]: --project-token: write <project>=/);
    expect(bad.err).not.toContain('secret-value');
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
    const { hud: up, url } = await startHud(['up', '--pools', 'gpu', '--hud-port', '0']);
    expect(up.stdout()).toMatch(/dispatchers: gpu\nHUD at /);
    const token = new URL(url).searchParams.get('token') ?? '';
    expect(await scopeOf(url, token)).toEqual({ kind: 'operator' });
    expect(await up.stop()).toBe(0);
    await expect(fetch(url)).rejects.toThrow();
  });
});
