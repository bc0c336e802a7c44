/**
 * An enrollment secret is printed once, by `fleet keys create`, and then never appears again:
 * not in any output of the registrar, dispatcher or workers (CLI and SDK, their refusals and
 * logged errors included), not in task outputs (the worker's command never gets the key), and
 * not in any stored message or snapshot — where its SHA-256 does appear, in `key.issued`.
 */
import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorker } from '../../actors/worker/index.ts';
import type { Worker } from '../../actors/worker/index.ts';
import { snapshotBucket } from '../../cli/snapshot-bucket.ts';
import { P, POOL } from '../support/builders.ts';
import { cliFixture } from '../support/cli-fixture.ts';
import type { CliFixture } from '../support/cli-fixture.ts';

let cli: CliFixture;
const workers: Worker[] = [];

beforeEach(async () => {
  cli = await cliFixture();
});
afterEach(async () => {
  for (const w of workers.splice(0)) await w.kill();
  await cli.close();
});

/** Every message of a stream as text: subject, headers and body. */
const streamText = async (stream: string): Promise<string> => {
  const { jsm } = cli.f.log;
  const info = await jsm.streams.info(stream);
  let text = '';
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq += 1) {
    const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (m === null) continue;
    text += `${m.subject}\n${JSON.stringify([...m.header])}\n`;
    text += `${new TextDecoder().decode(m.data)}\n`;
  }
  return text;
};

describe('an enrollment secret', () => {
  it('is printed once at creation and appears nowhere else; its SHA-256 is stored', async () => {
    const { f } = cli;
    const logs: string[] = [];
    await cli.startPool();

    const created = await cli.run(
      'keys',
      'create',
      '--project',
      P.health,
      '--pool',
      POOL,
      '--models',
      'llama',
      '--max-uses',
      '3',
    );
    expect(created).toMatchObject({ code: 0, err: '' });
    const token = created.out.split('\n')[0] ?? '';
    const match = /^fk_(k[0-9a-f]{16})_([A-Za-z0-9_-]{43})$/.exec(token);
    if (match === null) throw new Error('keys create printed no token');
    const [, keyId = '', secret = ''] = match;
    // Printed once, and only there.
    expect(created.out.split(secret)).toHaveLength(2);
    const wrong = `fk_${keyId}_${'W'.repeat(43)}`;

    // The key is in this process's environment while workers run: their commands must not get it.
    const saved = process.env['FLEET_KEY'];
    process.env['FLEET_KEY'] = token;
    try {
      const exec = 'printenv FLEET_KEY; cat';
      const common = ['--models', 'llama', '--exec', exec, '--heartbeat', '200ms'];
      // One worker given the key as a flag, one through its environment.
      await cli.start(['worker', '--key', token, ...common], { ready: /claiming work/ });
      await cli.start(['worker', ...common], { env: { FLEET_KEY: token }, ready: /claiming work/ });
      // A worker with a wrong secret is refused, and says so without quoting it.
      const refused = await cli.run('worker', '--key', wrong, ...common);
      expect(refused.code).toBe(2);
      expect(refused.err).toMatch(/bad_secret|refused/);
      logs.push(refused.out, refused.err);

      // Work runs on the CLI workers, whose commands print their environment's FLEET_KEY if set.
      const tasks = await Promise.all(
        ['s1', 's2', 's3', 's4', 's5'].map((id) =>
          cli.run(
            'submit',
            '--project',
            P.health,
            '--pool',
            POOL,
            '--model',
            'llama',
            '--id',
            id,
            '--payload',
            '{"hello":"world"}',
            '--wait',
            '--wait-timeout',
            '20s',
            '--json',
          ),
        ),
      );
      for (const t of tasks) {
        expect(t.code).toBe(0);
        logs.push(t.out, t.err);
      }

      // An SDK worker, every lifecycle event it tells logged in full.
      const sdk = await createWorker({
        nats: f.nc,
        key: token,
        root: f.log.subjects.root,
        models: ['llama'],
        heartbeatMs: 200,
        claimWaitMs: 1_000,
        handler: (t) => Promise.resolve({ output: { sdk: t.payload } }),
        onEvent: (e) => logs.push(inspect(e, { depth: 10 })),
      });
      workers.push(sdk);
      // The key is spent (3 uses): a fourth enrollment is refused, its error logged in full.
      const spent = await createWorker({
        nats: f.nc,
        key: token,
        root: f.log.subjects.root,
        handler: () => Promise.resolve({}),
        onEvent: (e) => logs.push(inspect(e, { depth: 10 })),
      }).catch((e: unknown) => e);
      expect(spent).toMatchObject({ reason: 'exhausted' });
      logs.push(inspect(spent, { depth: 10 }));
      const guessed = await createWorker({
        nats: f.nc,
        key: wrong,
        root: f.log.subjects.root,
        handler: () => Promise.resolve({}),
      }).catch((e: unknown) => e);
      expect(guessed).toMatchObject({ reason: 'bad_secret' });
      logs.push(inspect(guessed, { depth: 10 }));

      // And one more task, which any of the three may run.
      const last = await cli.run(
        'submit',
        '--project',
        P.health,
        '--pool',
        POOL,
        '--model',
        'llama',
        '--id',
        's6',
        '--wait',
        '--wait-timeout',
        '20s',
      );
      expect(last.code).toBe(0);
      logs.push(last.out, last.err);
      logs.push((await cli.run('keys', 'list', '--json')).out);
      logs.push((await cli.run('workers', 'list')).out);
    } finally {
      if (saved === undefined) delete process.env['FLEET_KEY'];
      else process.env['FLEET_KEY'] = saved;
    }
    // Stop everything cleanly: the dispatcher saves a snapshot, workers drain and leave.
    for (const w of workers.splice(0)) await w.stop();
    for (const r of await cli.stopAll()) logs.push(r.stdout(), r.stderr());

    const stored = await streamText(f.log.stream);
    const snapshots = await streamText(`KV_${snapshotBucket(f.log.stream, f.log.subjects.root)}`);
    const everything = [...logs, stored, snapshots].join('\n');
    expect(everything.length).toBeGreaterThan(1_000);
    // The CLI workers' commands ran (their output is the task they read: no key printed first).
    expect(stored).toMatch(/"output":\{"taskId":"s\d","project"/);
    expect(snapshots).toMatch(/dispatcher\.gpu/);
    for (const leak of [secret, secret.slice(0, 12), secret.slice(-12), token, wrong.slice(-43)])
      expect(everything).not.toContain(leak);
    expect(stored).toContain(createHash('sha256').update(secret, 'utf8').digest('hex'));
  });
});
