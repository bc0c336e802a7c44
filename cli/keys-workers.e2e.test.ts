import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enroll } from '../actors/worker/index.ts';
import { P, POOL } from '../test/support/builders.ts';
import { cliFixture } from '../test/support/cli-fixture.ts';
import type { CliFixture } from '../test/support/cli-fixture.ts';

let cli: CliFixture;

beforeEach(async () => {
  cli = await cliFixture();
});
afterEach(() => cli.close());

describe('fleet keys', () => {
  it('creates a key whose token, printed once, enrolls a worker; lists and revokes it', async () => {
    await cli.start(['registrar'], { ready: /registrar running/ });
    const created = await cli.run(
      'keys',
      'create',
      '--project',
      P.health,
      '--pool',
      POOL,
      '--models',
      'llama,mistral',
      '--label',
      'zone=eu',
      '--max-uses',
      '2',
      '--ttl',
      '1h',
      '--name',
      'ci',
    );
    expect(created).toMatchObject({ code: 0, err: '' });
    const token = created.out.split('\n')[0] ?? '';
    expect(token).toMatch(/^fk_k[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(created.out.match(/fk_/g)).toHaveLength(1);
    expect(created.out).toMatch(/models: +llama,mistral/);

    const worker = await enroll(
      cli.f.nc,
      cli.f.log.subjects.root,
      { key: token, models: ['llama'] },
      5_000,
    );
    expect(worker).toMatchObject({ project: P.health, pool: POOL, labels: { zone: 'eu' } });

    const listed = await cli.run('keys', 'list', '--project', P.health, '--json');
    expect(listed.code).toBe(0);
    expect(listed.out).not.toMatch(/secretHash|fk_|[0-9a-f]{64}/);
    const [key] = JSON.parse(listed.out) as { keyId: string; uses: number; status: string }[];
    expect(key).toMatchObject({ uses: 1, maxUses: 2, status: 'active', name: 'ci' });
    expect((await cli.run('keys', 'list', '--project', P.fin)).out).toBe('no keys\n');

    const revoked = await cli.run('keys', 'revoke', key?.keyId ?? '', '--project', P.health);
    expect(revoked).toMatchObject({ code: 0, out: expect.stringMatching(/revoked/) as unknown });
    await expect(
      enroll(cli.f.nc, cli.f.log.subjects.root, { key: token }, 5_000),
    ).rejects.toMatchObject({
      reason: 'revoked',
    });
    const again = await cli.run('keys', 'revoke', key?.keyId ?? '', '--project', P.health);
    expect(again).toMatchObject({ code: 2, out: '' });
    expect(again.err).toMatch(/^error \[refused\]: key k[0-9a-f]+ is already revoked\n$/);
  });

  it('refuses bad options with exit code 2 and a clear message, storing nothing', async () => {
    const bad = await cli.run(
      'keys',
      'create',
      '--project',
      P.health,
      '--pool',
      POOL,
      '--ttl',
      'forever',
    );
    expect(bad).toMatchObject({ code: 2, out: '' });
    expect(bad.err).toMatch(/^error \[invalid_input\]: --ttl "forever" is not a duration/);
    const missing = await cli.run('keys', 'create', '--pool', POOL);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/required option '--project <project>' not specified/);
    expect((await cli.f.log.jsm.streams.info(cli.f.log.stream)).state.messages).toBe(0);
  });
});

describe('fleet workers', () => {
  it('lists enrolled workers with their capabilities and status', async () => {
    await cli.f.enroll('w1', { labels: { vram: 80 }, capacity: 4 });
    await cli.f.enroll('w2', { project: P.fin, runtime: { kind: 'docker' } });
    const listed = await cli.run('workers', 'list', '--json');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.out)).toMatchObject([
      {
        workerId: 'w1',
        project: P.health,
        pool: POOL,
        status: 'active',
        models: ['llama'],
        labels: { vram: 80 },
        capacity: 4,
        runtime: { kind: 'process' },
      },
      { workerId: 'w2', project: P.fin, status: 'active', runtime: { kind: 'docker' } },
    ]);
    const text = await cli.run('workers', 'list', '--project', P.fin);
    expect(text.out.split('\n')[0]).toMatch(
      /^WORKER +PROJECT +POOL +STATUS +MODELS +LABELS +RUNTIME +BUSY$/,
    );
    expect(text.out).toMatch(
      new RegExp(`^w2 +${P.fin} +${POOL} +active +llama +- +docker +0/1$`, 'm'),
    );
    expect(text.out).not.toMatch(/w1/);
    expect((await cli.run('workers', 'list', '--pool', 'cpu')).out).toBe('no workers\n');
  });

  it('revokes a worker, after which its pool’s dispatcher refuses its claims', async () => {
    await cli.f.enroll('w1');
    await cli.start(['dispatcher', '--pool', POOL], { ready: /dispatcher of pool gpu running/ });
    expect(await cli.f.claim('w1', { waitMs: 0 })).toEqual({ assignments: [] });

    const elsewhere = await cli.run('workers', 'revoke', 'w1', '--project', P.fin, '--pool', POOL);
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.err).toMatch(/error \[refused\]: no worker w1 enrolled in project fin-prod/);

    const revoked = await cli.run(
      'workers',
      'revoke',
      'w1',
      '--project',
      P.health,
      '--pool',
      POOL,
      '--reason',
      'leaked',
    );
    expect(revoked).toMatchObject({ code: 0, err: '' });
    await expect
      .poll(async () => cli.f.claim('w1', { waitMs: 0 }))
      .toMatchObject({ refused: { reason: 'worker_revoked' } });
    const listed = JSON.parse((await cli.run('workers', 'list', '--json')).out) as unknown[];
    expect(listed).toMatchObject([{ workerId: 'w1', status: 'revoked' }]);
  });
});
