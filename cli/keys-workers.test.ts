import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { enroll } from '../actors/worker/index.ts';
import { P, POOL } from '../test/support/builders.ts';
import { fleetFixture } from '../test/support/fleet-fixture.ts';
import type { FleetFixture } from '../test/support/fleet-fixture.ts';
import { runCaptured } from './run-captured.ts';
import type { CapturedRun } from './run-captured.ts';
import { snapshotBucket } from './snapshot-bucket.ts';

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
  const bucket = snapshotBucket(f.log.stream, f.log.subjects.root);
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
/** Runs a one-shot command to its end. */
const run = async (...args: string[]) => {
  const r = runCaptured([...globals(), ...args]);
  const code = await r.done;
  return { code, out: r.stdout(), err: r.stderr() };
};
/** Starts a long-running command and waits until it says it runs. */
const serve = async (ready: RegExp, ...args: string[]) => {
  const stop = new AbortController();
  const r = runCaptured([...globals(), ...args], { signal: stop.signal });
  running.push({ run: r, stop });
  await expect.poll(() => r.stdout(), { timeout: 10_000 }).toMatch(ready);
  return { run: r, stop };
};

describe('fleet keys', () => {
  it('creates a key whose token, printed once, enrolls a worker; lists and revokes it', async () => {
    await serve(/registrar running/, 'registrar');
    const created = await run(
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
      f.nc,
      f.log.subjects.root,
      { key: token, models: ['llama'] },
      5_000,
    );
    expect(worker).toMatchObject({ project: P.health, pool: POOL, labels: { zone: 'eu' } });

    const listed = await run('keys', 'list', '--project', P.health, '--json');
    expect(listed.code).toBe(0);
    expect(listed.out).not.toMatch(/secretHash|fk_|[0-9a-f]{64}/);
    const [key] = JSON.parse(listed.out) as { keyId: string; uses: number; status: string }[];
    expect(key).toMatchObject({ uses: 1, maxUses: 2, status: 'active', name: 'ci' });
    expect((await run('keys', 'list', '--project', P.fin)).out).toBe('no keys\n');

    const revoked = await run('keys', 'revoke', key?.keyId ?? '', '--project', P.health);
    expect(revoked).toMatchObject({ code: 0, out: expect.stringMatching(/revoked/) as unknown });
    await expect(enroll(f.nc, f.log.subjects.root, { key: token }, 5_000)).rejects.toMatchObject({
      reason: 'revoked',
    });
    const again = await run('keys', 'revoke', key?.keyId ?? '', '--project', P.health);
    expect(again).toMatchObject({ code: 2, out: '' });
    expect(again.err).toMatch(/^error \[refused\]: key k[0-9a-f]+ is already revoked\n$/);
  });

  it('refuses bad options with exit code 2 and a clear message, storing nothing', async () => {
    const bad = await run(
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
    const missing = await run('keys', 'create', '--pool', POOL);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/required option '--project <project>' not specified/);
    expect((await f.log.jsm.streams.info(f.log.stream)).state.messages).toBe(0);
  });
});

describe('fleet workers', () => {
  it('lists enrolled workers with their capabilities and status', async () => {
    await f.enroll('w1', { labels: { vram: 80 }, capacity: 4 });
    await f.enroll('w2', { project: P.fin, runtime: { kind: 'docker' } });
    const listed = await run('workers', 'list', '--json');
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
    const text = await run('workers', 'list', '--project', P.fin);
    expect(text.out.split('\n')[0]).toMatch(
      /^WORKER +PROJECT +POOL +STATUS +MODELS +LABELS +RUNTIME +BUSY$/,
    );
    expect(text.out).toMatch(
      new RegExp(`^w2 +${P.fin} +${POOL} +active +llama +- +docker +0/1$`, 'm'),
    );
    expect(text.out).not.toMatch(/w1/);
    expect((await run('workers', 'list', '--pool', 'cpu')).out).toBe('no workers\n');
  });

  it('revokes a worker, after which its pool’s dispatcher refuses its claims', async () => {
    await f.enroll('w1');
    await serve(/dispatcher of pool gpu running/, 'dispatcher', '--pool', POOL);
    expect(await f.claim('w1', { waitMs: 0 })).toEqual({ assignments: [] });

    const elsewhere = await run('workers', 'revoke', 'w1', '--project', P.fin, '--pool', POOL);
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.err).toMatch(/error \[refused\]: no worker w1 enrolled in project fin-prod/);

    const revoked = await run(
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
      .poll(async () => f.claim('w1', { waitMs: 0 }))
      .toMatchObject({ refused: { reason: 'worker_revoked' } });
    const listed = JSON.parse((await run('workers', 'list', '--json')).out) as unknown[];
    expect(listed).toMatchObject([{ workerId: 'w1', status: 'revoked' }]);
  });
});
