import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCaptured } from '../cli/run-captured.ts';
import type { CapturedRun } from '../cli/run-captured.ts';
import { uniqueName } from '../test/harness/index.ts';
import { createAuthMaterial } from './auth-material.ts';
import { issueProducerCreds } from './issue-creds.ts';
import { startSecureFixture } from './secure-fixture.ts';
import type { SecureFixture } from './secure-fixture.ts';
import { parseCreds } from './user-jwt.ts';

describe('every fleet command connects to a secure server with --creds or NATS_CREDS', () => {
  let fx: SecureFixture;
  let dataDir: string;
  let tmp: string;
  /** The health-prod producer's creds file, written by `fleet creds producer --out`. */
  let producerCreds: string;
  const stop = new AbortController();
  const running: CapturedRun[] = [];

  beforeAll(async () => {
    fx = await startSecureFixture({
      root: uniqueName('crd'),
      stream: uniqueName('crd').toUpperCase(),
    });
    dataDir = dirname(fx.auth.dir);
    tmp = await mkdtemp(join(tmpdir(), 'fleet-creds-'));
    producerCreds = join(tmp, 'health.creds');
    // The service and enrollment creds files, as `fleet up --secure` leaves them.
    for (const role of ['admin', 'enroll'] as const)
      await fx.auth.serviceCreds(role, { root: fx.root, stream: fx.stream });
  });
  afterAll(async () => {
    stop.abort();
    await Promise.allSettled(running.map((r) => r.done));
    await fx.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  const globals = () => ['--nats', fx.server.url, '--root', fx.root, '--stream', fx.stream];
  const fleet = (args: string[], env: Record<string, string> = {}) => {
    const run = runCaptured([...globals(), ...args], { env });
    return run.done.then((code) => ({ code, out: run.stdout(), err: run.stderr() }));
  };
  const start = (args: string[], env: Record<string, string> = {}) => {
    const run = runCaptured([...globals(), ...args], { signal: stop.signal, env });
    running.push(run);
    return run;
  };
  const status = (project: string, taskId = 'none') => [
    'status',
    taskId,
    '--project',
    project,
    '--pool',
    'gpu',
  ];

  it('runs the control plane, and a worker enrolled on the enrollment creds works on its own', async () => {
    const up = start(['up', '--secure', '--data-dir', dataDir, '--pools', 'gpu', '--no-hud'], {
      FLEET_HOME: tmp,
    });
    await expect.poll(() => up.stdout(), { timeout: 15_000 }).toMatch(/next: fleet/);
    // The context names the operator's creds file (a path, no secret): the next command needs
    // neither --nats nor --creds.
    const context = await readFile(join(tmp, 'context.json'), 'utf8');
    expect(JSON.parse(context)).toMatchObject({
      url: fx.server.url,
      creds: fx.auth.credsPath('admin'),
    });
    expect(context).not.toMatch(/SEED|NKEY|-----BEGIN/);
    expect(up.stdout()).toContain('next: fleet keys create');
    const viaContext = runCaptured(['keys', 'list', '--project', 'health-prod'], {
      env: { FLEET_HOME: tmp },
    });
    expect(await viaContext.done).toBe(0);
    expect(viaContext.stderr()).toBe('');

    // An operator tool on the admin creds: a one-shot command with the JetStream API.
    const key = await fleet([
      '--creds',
      fx.auth.credsPath('admin'),
      'keys',
      'create',
      '--project',
      'health-prod',
      '--pool',
      'gpu',
    ]);
    expect(key.err).toBe('');
    expect(key.code).toBe(0);
    const token = key.out.split('\n')[0] ?? '';
    expect(token).toMatch(/^fk_/);

    const worker = start([
      '--creds',
      fx.auth.credsPath('enroll'),
      'worker',
      '--key',
      token,
      '--exec',
      'cat',
    ]);
    await expect.poll(() => worker.stdout(), { timeout: 15_000 }).toMatch(/claiming work/);
    expect(worker.stderr()).toBe('');
  });

  it('lets a producer submit and wait on its creds file: the output comes through the dispatcher', async () => {
    const issued = await fleet([
      'creds',
      'producer',
      '--project',
      'health-prod',
      '--data-dir',
      dataDir,
      '--out',
      producerCreds,
    ]);
    expect(issued.code).toBe(0);
    const submitted = await fleet([
      '--creds',
      producerCreds,
      'submit',
      '--project',
      'health-prod',
      '--pool',
      'gpu',
      '--id',
      'job-1',
      '--payload',
      '{"q":"pulse"}',
      '--wait',
      '--wait-timeout',
      '15s',
      '--json',
    ]);
    expect(submitted.err).toBe('');
    expect(submitted.code).toBe(0);
    // `cat` echoes the task it was given: its payload is in the output.
    expect(JSON.parse(submitted.out)).toMatchObject({
      taskId: 'job-1',
      status: 'completed',
      output: { taskId: 'job-1', project: 'health-prod', payload: { q: 'pulse' } },
    });
  });

  it('lets the producer cancel in its project', async () => {
    const where = ['--project', 'health-prod', '--pool', 'gpu'];
    // A model no worker serves: the task stays queued until cancelled.
    const queued = await fleet([
      '--creds',
      producerCreds,
      'submit',
      ...where,
      '--id',
      'job-queued',
      '--model',
      'nobody-serves',
    ]);
    expect(queued).toMatchObject({ code: 0, err: '' });
    const r = await fleet(['--creds', producerCreds, 'cancel', 'job-queued', ...where]);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^cancellation of task job-queued stored \(seq \d+\)/);
    // An id never submitted: nothing to cancel, exit 1.
    const never = await fleet(['--creds', producerCreds, 'cancel', 'job-never', ...where]);
    expect(never).toMatchObject({ code: 1, out: '' });
    expect(never.err).toMatch(/^error \[not_found\]: no task job-never in project health-prod/);
  });

  it('takes the creds file from NATS_CREDS, and --creds over it', async () => {
    const viaEnv = await fleet([...status('health-prod', 'job-1'), '--json'], {
      NATS_CREDS: producerCreds,
    });
    expect(viaEnv.err).toBe('');
    expect(viaEnv.code).toBe(0);
    expect(JSON.parse(viaEnv.out)).toMatchObject({
      status: 'completed',
      output: { payload: { q: 'pulse' } },
    });
    const overridden = await fleet(['--creds', producerCreds, ...status('health-prod', 'job-1')], {
      NATS_CREDS: join(tmp, 'missing.creds'),
    });
    expect(overridden.err).toBe('');
    expect(overridden.out).toMatch(/^completed after 1 attempt\noutput: /);
  });

  it('surfaces the server’s refusal of another project’s subjects', async () => {
    const submit = await fleet([
      '--creds',
      producerCreds,
      'submit',
      '--project',
      'fin-prod',
      '--pool',
      'gpu',
    ]);
    expect(submit.code).toBe(2);
    const subject = `${fx.root}.fin-prod.gpu.submit`;
    // A producer stores through the gateway, under its own key: the server refuses that subject.
    const relayed = `${fx.root}_rpc.store.U[A-Z2-7]{55}.fin-prod.gpu.submit`;
    expect(submit.err).toMatch(
      new RegExp(
        `^error \\[refused\\]: the NATS server refused to store a message on ${subject}: ` +
          `Permissions Violation for Publish to "${relayed}" \\(the credentials do not allow it\\)\n$`,
      ),
    );
    const asked = await fleet(['--creds', producerCreds, ...status('fin-prod', 'job-1')]);
    expect(asked.code).toBe(2);
    expect(asked.err).toContain(
      `error [refused]: the NATS server refused to ask for the status of task job-1`,
    );
    expect(asked.err).toContain(
      `Permissions Violation for Publish to "${fx.root}_rpc.fin-prod.gpu.status.U`,
    );
  });

  it('runs the operator’s reads on the observer creds, and checkpointing ones on the hud creds', async () => {
    const where = { root: fx.root, stream: fx.stream };
    const observer = fx.auth.credsPath('observer');
    const hud = fx.auth.credsPath('hud');
    await fx.auth.serviceCreds('observer', where);
    await fx.auth.serviceCreds('hud', where);
    const reads = [
      ['events', '--task', 'job-1'],
      ['audit'],
      ['state', '--at', '1'],
      ['workers', 'list'],
      ['keys', 'list', '--project', 'health-prod'],
      ['costs', '--fresh'],
    ];
    for (const args of reads) {
      const r = await fleet(['--creds', observer, ...args]);
      expect({ args, code: r.code, err: r.err }).toEqual({ args, code: 0, err: '' });
    }
    expect((await fleet(['--creds', observer, 'events', '--task', 'job-1'])).out).toMatch(
      /task\.completed/,
    );
    // Resuming from a checkpoint writes it to a KV bucket, which only the hud user may.
    for (const args of [['costs'], ['top', '--once']]) {
      const r = await fleet(['--creds', hud, ...args]);
      expect({ args, code: r.code, err: r.err }).toEqual({ args, code: 0, err: '' });
    }
    // Read-only: the observer cannot issue a key (the server refuses the append).
    const write = await fleet([
      '--creds',
      observer,
      'keys',
      'create',
      '--project',
      'health-prod',
      '--pool',
      'gpu',
    ]);
    expect(write.code).toBe(2);
    expect(write.err).toMatch(
      /^error \[refused\]: the NATS server refused to let this command through \(append to \S+\._keys\.\S+ failed\): Permissions Violation for Publish/,
    );
    const keys = await fleet([
      '--creds',
      observer,
      'keys',
      'list',
      '--project',
      'health-prod',
      '--json',
    ]);
    expect(JSON.parse(keys.out)).toHaveLength(1);
  });

  it('gives a clear input error for a missing, unreadable or malformed creds file, never quoting it', async () => {
    const missing = join(tmp, 'nope.creds');
    const r1 = await fleet(['--creds', missing, ...status('health-prod')]);
    expect(r1.code).toBe(2);
    expect(r1.err).toBe(`error [invalid_input]: --creds: cannot read ${missing}: no such file\n`);
    const r2 = await fleet(status('health-prod'), { NATS_CREDS: missing });
    expect(r2.err).toBe(
      `error [invalid_input]: NATS_CREDS: cannot read ${missing}: no such file\n`,
    );
    const folder = join(tmp, 'a-folder');
    await mkdir(folder);
    const r3 = await fleet(['--creds', folder, ...status('health-prod')]);
    expect(r3.err).toBe(
      `error [invalid_input]: --creds: cannot read ${folder}: it is a directory\n`,
    );

    // A seed with a JWT that is not one: refused without a word of the file.
    const { seed } = parseCreds(await readFile(producerCreds, 'utf8'));
    const broken = join(tmp, 'broken.creds');
    await writeFile(
      broken,
      `-----BEGIN NATS USER JWT-----\nnot-a-jwt\n------END NATS USER JWT------\n\n` +
        `-----BEGIN USER NKEY SEED-----\n${seed}\n------END USER NKEY SEED------\n`,
      { mode: 0o600 },
    );
    const r4 = await fleet(['--creds', broken, ...status('health-prod')]);
    expect(r4.code).toBe(2);
    expect(r4.err).toMatch(
      /^error \[invalid_input\]: --creds: .*broken\.creds is not a valid NATS/,
    );
    const garbage = join(tmp, 'garbage.creds');
    await writeFile(garbage, `${seed}\n`, { mode: 0o600 });
    const r5 = await fleet(['--creds', garbage, ...status('health-prod')]);
    expect(r5.code).toBe(2);
    expect(r5.err).toMatch(/garbage\.creds is not a valid NATS \.creds file/);
    for (const r of [r1, r2, r3, r4, r5]) expect(r.err + r.out).not.toContain(seed);

    if (process.getuid?.() !== 0) {
      const locked = join(tmp, 'locked.creds');
      await writeFile(locked, await readFile(producerCreds, 'utf8'), { mode: 0o600 });
      await chmod(locked, 0o000);
      const r6 = await fleet(['--creds', locked, ...status('health-prod')]);
      expect(r6.err).toBe(
        `error [invalid_input]: --creds: cannot read ${locked}: permission denied\n`,
      );
    }
  });

  it('refuses expired creds before connecting, and names the server’s refusal of foreign ones', async () => {
    const expired = await issueProducerCreds(fx.auth.material, {
      project: 'health-prod',
      root: fx.root,
      ttlMs: 1_000,
      now: Date.now() - 60_000,
    });
    const old = join(tmp, 'old.creds');
    await writeFile(old, expired.creds(), { mode: 0o600 });
    const r1 = await fleet(['--creds', old, ...status('health-prod')]);
    expect(r1.code).toBe(2);
    expect(r1.err).toMatch(
      /^error \[invalid_input\]: --creds: the credentials in .*old\.creds expired at /,
    );

    // Signed by another operator's account: the server does not know it.
    const foreign = await issueProducerCreds(createAuthMaterial(), {
      project: 'health-prod',
      root: fx.root,
    });
    const other = join(tmp, 'other.creds');
    await writeFile(other, foreign.creds(), { mode: 0o600 });
    const r2 = await fleet(['--creds', other, ...status('health-prod')]);
    expect(r2.code).toBe(2);
    expect(r2.err).toMatch(
      /^error \[refused\]: the NATS server at \S+ refused the credentials in .*other\.creds \(.*Authorization Violation/,
    );

    // And without any creds, the secure server is not reachable at all.
    const none = await fleet(status('health-prod'));
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/^error \[unavailable\]: cannot reach NATS/);
  });
});
