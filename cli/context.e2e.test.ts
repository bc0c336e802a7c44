import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { projectionBucket } from '../projections/index.ts';
import { uniqueName } from '../test/harness/index.ts';
import { runCaptured } from './run-captured.ts';

// `fleet up` says where its fleet is in a context file that the other commands use; a reading
// command never makes a deployment appear, and tells a missing Fleet from a missing server.

let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'fleet-context-'));
});
afterEach(() => rm(home, { recursive: true, force: true }));

const run = async (args: readonly string[], env: Record<string, string> = {}) => {
  const r = runCaptured(args, { env: { FLEET_HOME: home, ...env } });
  const code = await r.done;
  return { code, out: r.stdout(), err: r.stderr() };
};

/** Names of the streams on the harness server (KV buckets are streams `KV_<bucket>`). */
const streams = async (): Promise<string[]> => {
  const nc = await connect({ servers: inject('natsUrl') });
  try {
    const jsm = await jetstreamManager(nc);
    return (await jsm.streams.names().next()).map((n) => n);
  } finally {
    await nc.close();
  }
};

describe('the context of fleet up', () => {
  it('is written by fleet up (0600, no secret), used by every command, removed on stop', async () => {
    const root = uniqueName('ctx');
    const stream = uniqueName('ctx').toUpperCase();
    const url = inject('natsUrl');
    const stop = new AbortController();
    const up = runCaptured(
      ['--nats', url, '--root', root, '--stream', stream, 'up', '--no-hud', '--pools', 'gpu'],
      { signal: stop.signal, env: { FLEET_HOME: home } },
    );
    await expect.poll(() => up.stdout(), { timeout: 20_000 }).toMatch(/fleet is up/);
    const file = join(home, 'context.json');
    expect(up.stdout()).toContain(`context: ${file}`);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const context = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    expect(context).toMatchObject({ url, root, stream, pid: process.pid });
    expect(Object.keys(context).sort()).toEqual(['dataDir', 'pid', 'root', 'stream', 'url']);

    // No --nats, --root or --stream: all from the context.
    const key = await run(['keys', 'create', '--project', 'p1', '--pool', 'gpu']);
    expect(key).toMatchObject({ code: 0, err: '' });
    expect((await run(['keys', 'list', '--project', 'p1'])).out).toMatch(/p1/);
    expect(await run(['workers', 'list'])).toMatchObject({ code: 0, out: 'no workers\n' });
    // The submission reached the context's dispatcher of gpu.
    const submitted = await run(['submit', '--project', 'p1', '--pool', 'gpu', '--id', 't1']);
    expect(submitted).toMatchObject({ code: 0, out: 't1\n' });
    await expect.poll(async () => (await run(['status', 't1'])).out).toMatch(/^queued /);

    // Precedence: NATS_URL over the context, --nats over NATS_URL.
    const dead = 'nats://127.0.0.1:1';
    const env = await run(['workers', 'list'], { NATS_URL: dead });
    expect(env.err).toBe(`error [unavailable]: cannot reach NATS at ${dead}\n`);
    const flag = await run(['--nats', url, '--root', root, '--stream', stream, 'workers', 'list'], {
      NATS_URL: dead,
    });
    expect(flag.code).toBe(0);

    stop.abort();
    expect(await up.done).toBe(0);
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
  }, 60_000);

  it('takes --context over the context file; a stale one is refused with why', async () => {
    const other = join(home, 'other.json');
    const base = { dataDir: home, root: 'fleet', stream: 'FLEET' };
    await writeFile(
      other,
      JSON.stringify({ ...base, url: 'nats://127.0.0.1:1', pid: process.pid }),
    );
    // A live context file too, which --context beats.
    const file = join(home, 'context.json');
    await writeFile(file, JSON.stringify({ ...base, url: 'nats://127.0.0.1:2', pid: process.pid }));
    const fromFile = await run(['workers', 'list']);
    expect(fromFile.err).toBe(
      `error [unavailable]: cannot reach NATS at nats://127.0.0.1:2 (from the context in ${file})\n`,
    );
    const r = await run(['--context', other, 'workers', 'list']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `error [unavailable]: cannot reach NATS at nats://127.0.0.1:1 (from the context in ${other})\n`,
    );
    // A pid no process has: the fleet up that wrote it is gone.
    await writeFile(other, JSON.stringify({ ...base, url: 'nats://127.0.0.1:1', pid: 2 ** 30 }));
    const stale = await run(['--context', other, 'workers', 'list']);
    expect(stale.code).toBe(2);
    expect(stale.err).toMatch(
      /--context .*other\.json: stale: the fleet up that wrote it .* is not running/,
    );
  });
});

describe('a reading command', () => {
  it('never creates the stream or a bucket: it says there is no Fleet at the URL', async () => {
    const url = inject('natsUrl');
    const root = uniqueName('nofleet');
    const stream = uniqueName('nofleet').toUpperCase();
    const globals = ['--nats', url, '--root', root, '--stream', stream];
    for (const args of [
      ['workers', 'list'],
      ['keys', 'list', '--project', 'p1'],
      ['costs'],
      ['top', '--once'],
      ['audit'],
      ['events'],
      ['state', '--at', '1'],
      ['status', 't1'],
      ['cancel', 't1'],
      ['workers', 'revoke', 'w1'],
    ]) {
      const r = await run([...globals, ...args]);
      expect({ args, code: r.code, err: r.err }).toEqual({
        args,
        code: 1,
        err: `error [not_found]: no Fleet at ${url} (no stream ${stream}; start one with fleet up, or point --nats, NATS_URL or --context at one)\n`,
      });
    }
    const names = await streams();
    expect(names).not.toContain(stream);
    expect(names).not.toContain(`KV_${projectionBucket(stream, root)}`);
  });

  it('says it cannot reach NATS when nothing listens at the URL', async () => {
    const r = await run(['--nats', 'nats://127.0.0.1:1', 'costs']);
    expect(r).toMatchObject({
      code: 2,
      err: 'error [unavailable]: cannot reach NATS at nats://127.0.0.1:1\n',
    });
  });
});
