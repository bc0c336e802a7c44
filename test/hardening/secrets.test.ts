/**
 * An enrollment secret is printed once, by `fleet keys create`, and then never appears again:
 * not in any output of the registrar, dispatcher or workers (CLI and SDK, their refusals and
 * logged errors included), not in task outputs (the worker's command never gets the key), and
 * not in any stored message or snapshot — where its SHA-256 does appear, in `key.issued`.
 */
import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { createWorker } from '../../actors/worker/index.ts';
import type { Worker } from '../../actors/worker/index.ts';
import { runCaptured } from '../../cli/run-captured.ts';
import type { CapturedRun } from '../../cli/run-captured.ts';
import { snapshotBucket } from '../../cli/snapshot-bucket.ts';
import { P, POOL } from '../support/builders.ts';
import { fleetFixture } from '../support/fleet-fixture.ts';
import type { FleetFixture } from '../support/fleet-fixture.ts';

let f: FleetFixture;
const running: { run: CapturedRun; stop: AbortController }[] = [];
const workers: Worker[] = [];

beforeEach(async () => {
  f = await fleetFixture();
});
afterEach(async () => {
  for (const w of workers.splice(0)) await w.kill();
  for (const r of running.splice(0)) {
    r.stop.abort();
    await r.run.done;
  }
  await f.log.jsm.streams
    .delete(`KV_${snapshotBucket(f.log.stream, f.log.subjects.root)}`)
    .catch(() => undefined);
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
const run = async (args: string[], env: Record<string, string> = {}) => {
  const r = runCaptured([...globals(), ...args], { env });
  const code = await r.done;
  return { code, out: r.stdout(), err: r.stderr() };
};
/** Starts a long-running command and waits until its output says it runs. */
const serve = async (ready: RegExp, args: string[], env: Record<string, string> = {}) => {
  const stop = new AbortController();
  const r = runCaptured([...globals(), ...args], { signal: stop.signal, env });
  running.push({ run: r, stop });
  await expect.poll(() => r.stdout() + r.stderr(), { timeout: 10_000 }).toMatch(ready);
  return r;
};

/** Every message of a stream as text: subject, headers and body. */
const streamText = async (stream: string): Promise<string> => {
  const info = await f.log.jsm.streams.info(stream);
  let text = '';
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq += 1) {
    const m = await f.log.jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (m === null) continue;
    text += `${m.subject}\n${JSON.stringify([...m.header])}\n`;
    text += `${new TextDecoder().decode(m.data)}\n`;
  }
  return text;
};

describe('an enrollment secret', () => {
  it('is printed once at creation and appears nowhere else; its SHA-256 is stored', async () => {
    const logs: string[] = [];
    const outputs = () => [...logs, ...running.flatMap(({ run: r }) => [r.stdout(), r.stderr()])];
    await serve(/registrar running/, ['registrar']);
    await serve(/dispatcher of pool gpu running/, [
      'dispatcher',
      '--pool',
      POOL,
      '--heartbeat',
      '200ms',
    ]);

    const created = await run([
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
    ]);
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
      await serve(/claiming work/, ['worker', '--key', token, ...common]);
      await serve(/claiming work/, ['worker', ...common], { FLEET_KEY: token });
      // A worker with a wrong secret is refused, and says so without quoting it.
      const refused = await run(['worker', '--key', wrong, ...common]);
      expect(refused.code).toBe(2);
      expect(refused.err).toMatch(/bad_secret|refused/);
      logs.push(refused.out, refused.err);

      // Work runs on the CLI workers, whose commands print their environment's FLEET_KEY if set.
      const tasks = await Promise.all(
        ['s1', 's2', 's3', 's4', 's5'].map((id) =>
          run([
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
          ]),
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
      const last = await run([
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
      ]);
      expect(last.code).toBe(0);
      logs.push(last.out, last.err);
      logs.push((await run(['keys', 'list', '--json'])).out);
      logs.push((await run(['workers', 'list'])).out);
    } finally {
      if (saved === undefined) delete process.env['FLEET_KEY'];
      else process.env['FLEET_KEY'] = saved;
    }
    // Stop everything cleanly: the dispatcher saves a snapshot, workers drain and leave.
    for (const w of workers.splice(0)) await w.stop();
    for (const r of running.splice(0)) {
      r.stop.abort();
      await r.run.done;
      logs.push(r.run.stdout(), r.run.stderr());
    }

    const stored = await streamText(f.log.stream);
    const snapshots = await streamText(`KV_${snapshotBucket(f.log.stream, f.log.subjects.root)}`);
    const everything = [...outputs(), stored, snapshots].join('\n');
    expect(everything.length).toBeGreaterThan(1_000);
    // The CLI workers' commands ran (their output is the task they read: no key printed first).
    expect(stored).toMatch(/"output":\{"taskId":"s\d","project"/);
    expect(snapshots).toMatch(/dispatcher\.gpu/);
    for (const leak of [secret, secret.slice(0, 12), secret.slice(-12), token, wrong.slice(-43)])
      expect(everything).not.toContain(leak);
    expect(stored).toContain(createHash('sha256').update(secret, 'utf8').digest('hex'));
  });
});
