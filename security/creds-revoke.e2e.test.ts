import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { decode } from '@nats-io/jwt';
import type { Account } from '@nats-io/jwt';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { issueKey } from '../actors/registrar/index.ts';
import { createWorker } from '../actors/worker/index.ts';
import type { WorkerLifecycleEvent } from '../actors/worker/index.ts';
import type { NatsServerHandle } from '../infra/nats-server.ts';
import { revokeWorker } from '../cli/revoke-worker.ts';
import { runCaptured } from '../cli/run-captured.ts';
import type { CapturedRun } from '../cli/run-captured.ts';
import { taskStatus } from '../client/index.ts';
import type { PoolId, ProjectId } from '../events/index.ts';
import { uniqueName } from '../test/harness/index.ts';
import { allKeys, createAuthMaterial, seedText } from './auth-material.ts';
import { AuthFiles, openAuthDir } from './auth-dir.ts';
import { issueProducerCreds } from './issue-creds.ts';
import { startSecureFixture } from './secure-fixture.ts';
import type { SecureFixture } from './secure-fixture.ts';
import { startSecureNats } from '../infra/start-secure-nats.ts';
import { UserCredentials } from './user-credentials.ts';
import { parseCreds } from './user-jwt.ts';

const HEALTH = 'health-prod' as ProjectId;
const GPU = 'gpu' as PoolId;

describe('fleet creds revoke: one producer or service cut off, at once and for good', () => {
  let fx: SecureFixture;
  let dataDir: string;
  let tmp: string;
  let up: CapturedRun;
  let restarted: NatsServerHandle | undefined;
  const stop = new AbortController();
  const own: NatsConnection[] = [];
  /** Every secret this test handled: none may appear in any output. */
  const seeds: string[] = [];
  const outputs: string[] = [];
  const path = (name: string) => join(tmp, name);
  const creds = async (name: string) => {
    const c = UserCredentials.fromCreds(await readFile(path(name), 'utf8'));
    seeds.push(parseCreds(c.creds()).seed);
    return c;
  };

  beforeAll(async () => {
    fx = await startSecureFixture({
      root: uniqueName('rvk'),
      stream: uniqueName('rvk').toUpperCase(),
    });
    dataDir = dirname(fx.auth.dir);
    tmp = await mkdtemp(join(tmpdir(), 'fleet-revoke-'));
    seeds.push(...allKeys(fx.auth.material).map((kp) => seedText(kp)));
    // The registrar (which pushes worker revocations) and a dispatcher, as an operator runs them.
    up = runCaptured(
      [...globals(), 'up', '--secure', '--data-dir', dataDir, '--pools', GPU, '--no-hud'],
      { signal: stop.signal },
    );
    await vi.waitFor(
      () => {
        expect(up.stdout()).toMatch(/next: fleet/);
      },
      { timeout: 15_000, interval: 50 },
    );
  });
  afterAll(async () => {
    stop.abort();
    await up.done;
    await Promise.allSettled(own.map((nc) => nc.close()));
    await restarted?.stop();
    await fx.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  const globals = () => ['--nats', fx.server.url, '--root', fx.root, '--stream', fx.stream];
  const fleet = async (args: string[]) => {
    const run = runCaptured([...globals(), ...args]);
    const code = await run.done;
    outputs.push(run.stdout(), run.stderr());
    return { code, out: run.stdout(), err: run.stderr() };
  };
  const creds$ = (args: string[]) => fleet(['creds', ...args, '--data-dir', dataDir]);
  /** The revocations of the account JWT as stored in the auth folder now. */
  const storedRevocations = async () => {
    const jwt = (await readFile(join(fx.auth.dir, AuthFiles.accountJwt), 'utf8')).trim();
    return decode<Account>(jwt).nats.revocations ?? {};
  };
  /** Connection-level errors the server sent on `nc`. */
  const errorsOf = (nc: NatsConnection) => {
    const told: string[] = [];
    void (async () => {
      for await (const s of nc.status()) if (s.type === 'error') told.push(s.error.message);
    })();
    return told;
  };
  const askStatus = (nc: NatsConnection) =>
    taskStatus(nc, { project: HEALTH, pool: GPU, taskId: 'none' }, { root: fx.root });

  it('records the producer credentials it issues, and lists them without a secret', async () => {
    for (const [name, ttl] of [
      ['a.creds', '24h'],
      ['b.creds', '24h'],
      ['c.creds', '1h'],
    ] as const) {
      const r = await creds$(['producer', '--project', HEALTH, '--ttl', ttl, '--out', path(name)]);
      expect(r.code).toBe(0);
    }
    const [a, b, c] = [await creds('a.creds'), await creds('b.creds'), await creds('c.creds')];
    const listed = await creds$(['list']);
    expect(listed.code).toBe(0);
    for (const user of [a, b, c])
      expect(listed.out).toMatch(
        new RegExp(`producer\\s+health-prod\\s+${user.publicKey}\\s.*valid`),
      );
    const json = JSON.parse((await creds$(['list', '--json'])).out) as {
      publicKey: string;
      expiresAt?: number;
    }[];
    const expiryOf = (u: UserCredentials) =>
      json.find((x) => x.publicKey === u.publicKey)?.expiresAt;
    expect(expiryOf(c)).toBe(c.expiresAt);
    expect(expiryOf(a)).toBe(a.expiresAt);
    // The services `fleet up --secure` runs on are recorded too, and never expire.
    expect(listed.out).toMatch(/registrar\s+-\s+U[A-Z2-7]{55}\s+\S+\s+never\s+valid/);
  });

  it('cuts a producer off by its creds file; another producer of the project keeps working', async () => {
    const [a, b] = [await creds('a.creds'), await creds('b.creds')];
    const ncA = await fx.connectAs(a);
    const ncB = await fx.connectAs(b);
    expect((await askStatus(ncA)).status).toBe('unknown');
    const told = errorsOf(ncA);

    const r = await creds$(['revoke', path('a.creds')]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`revoked ${a.publicKey} (producer of health-prod): the NATS server`);
    expect(r.out).toMatch(/kept in .* until \S+ \(past their expiry\)/);

    // The server took the update: the connection is cut, and a reconnection refused.
    expect(await ncA.closed()).toBeInstanceOf(Error);
    expect(told).toContain('User Authentication Revoked');
    await expect(fx.connectAs(a)).rejects.toThrow(/Authorization Violation/i);
    const refused = await fleet([
      '--creds',
      path('a.creds'),
      'status',
      'x',
      '--project',
      HEALTH,
      '--pool',
      GPU,
    ]);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(
      /^error \[refused\]: the NATS server at \S+ refused the credentials/,
    );

    // The other producer of the same project: still connected, still served.
    expect(ncB.isClosed()).toBe(false);
    expect((await askStatus(ncB)).status).toBe('unknown');
    const submitted = await fleet([
      '--creds',
      path('b.creds'),
      'submit',
      '--project',
      HEALTH,
      '--pool',
      GPU,
      '--id',
      'after-revoke',
    ]);
    expect(submitted.err).toBe('');
    expect(submitted.code).toBe(0);

    const listed = await creds$(['list']);
    expect(listed.out).toMatch(new RegExp(`${a.publicKey}\\s.*revoked \\S+Z`));
    expect(listed.out).toMatch(new RegExp(`${b.publicKey}\\s.*valid`));
    expect(Object.keys(await storedRevocations())).toContain(a.publicKey);
  });

  it('revokes by public key, again without harm, and says clearly what it cannot revoke', async () => {
    const c = await creds('c.creds');
    const ncC = await fx.connectAs(c);
    const r = await creds$(['revoke', c.publicKey]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`revoked ${c.publicKey} (producer of health-prod)`);
    expect(await ncC.closed()).toBeInstanceOf(Error);
    await expect(fx.connectAs(c)).rejects.toThrow(/Authorization Violation/i);
    const again = await creds$(['revoke', c.publicKey]);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/^revoked again U/);

    // With the server out of reach the revocation is stored, and the command says what is left.
    const issued = await creds$(['producer', '--project', HEALTH, '--out', path('d.creds')]);
    expect(issued.code).toBe(0);
    const d = await creds('d.creds');
    const ncD = await fx.connectAs(d);
    const nowhere = 'nats://127.0.0.1:1';
    const offline = runCaptured([
      '--nats',
      nowhere,
      '--root',
      fx.root,
      'creds',
      'revoke',
      path('d.creds'),
      '--data-dir',
      dataDir,
    ]);
    expect(await offline.done).toBe(2);
    outputs.push(offline.stdout(), offline.stderr());
    expect(offline.stderr()).toMatch(
      new RegExp(
        `^error \\[unavailable\\]: ${d.publicKey} \\(producer of health-prod\\) is revoked in .* ` +
          `but the NATS server at ${nowhere} was not told: .*; run the command again once it is reachable\\n$`,
      ),
    );
    expect(Object.keys(await storedRevocations())).toContain(d.publicKey);
    expect(ncD.isClosed()).toBe(false);
    const retried = await creds$(['revoke', path('d.creds')]);
    expect(retried.out).toMatch(/^revoked again U/);
    expect(await ncD.closed()).toBeInstanceOf(Error);

    const stranger = UserCredentials.newPair().getPublicKey();
    const unknown = await creds$(['revoke', stranger]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toBe(
      `error [invalid_input]: no credentials of user ${stranger} were issued from ${fx.auth.dir} ` +
        `(fleet creds list shows those that were); for credentials issued elsewhere, give their .creds file; ` +
        `a worker is revoked with fleet workers revoke\n`,
    );
    const badKey = await creds$(['revoke', `U${'A'.repeat(55)}`]);
    expect(badKey.code).toBe(2);
    expect(badKey.err).toMatch(
      /^error \[invalid_input\]: UA{55} is not a valid NATS user public key/,
    );
    const missing = await creds$(['revoke', path('nope.creds')]);
    expect(missing.err).toBe(
      `error [invalid_input]: ${path('nope.creds')}: no such file; give a .creds file or a user public key (U…)\n`,
    );

    // A seed without a JWT: refused without a word of the file.
    const { seed } = parseCreds(c.creds());
    await writeFile(path('garbage.creds'), `${seed}\n`, { mode: 0o600 });
    const garbage = await creds$(['revoke', path('garbage.creds')]);
    expect(garbage.code).toBe(2);
    expect(garbage.err).toMatch(
      /^error \[invalid_input\]: creds file: .*garbage\.creds is not a valid NATS \.creds file/,
    );

    // Another deployment's credentials, and the system user's: not this account's to revoke.
    const foreign = await issueProducerCreds(createAuthMaterial(), {
      project: HEALTH,
      root: fx.root,
    });
    seeds.push(parseCreds(foreign.creds()).seed);
    await writeFile(path('foreign.creds'), foreign.creds(), { mode: 0o600 });
    const other = await creds$(['revoke', path('foreign.creds')]);
    expect(other.code).toBe(2);
    expect(other.err).toMatch(
      /foreign\.creds holds credentials that the Fleet account of .* did not issue/,
    );
    const system = await creds$(['revoke', fx.auth.credsPath('system')]);
    expect(system.code).toBe(2);
    expect(system.err).toMatch(
      /holds the system user's credentials, which belong to the system account/,
    );

    // Expired credentials: the server refuses them already.
    const expired = await issueProducerCreds(fx.auth.material, {
      project: HEALTH,
      root: fx.root,
      ttlMs: 1_000,
      now: Date.now() - 60_000,
    });
    seeds.push(parseCreds(expired.creds()).seed);
    await writeFile(path('old.creds'), expired.creds(), { mode: 0o600 });
    const old = await creds$(['revoke', path('old.creds')]);
    expect(old.code).toBe(0);
    expect(old.out).toMatch(/expired at \S+: the server refuses them already; nothing to revoke/);
  });

  it('revokes a service’s credentials for good; the service is issued new ones', async () => {
    const d = { root: fx.root, stream: fx.stream };
    const observer = await fx.auth.serviceCreds('observer', d);
    seeds.push(parseCreds(observer.creds()).seed);
    const nc = await fx.connectAs(observer);
    const r = await creds$(['revoke', fx.auth.credsPath('observer')]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`revoked ${observer.publicKey} (observer)`);
    expect(r.out).toMatch(/for good \(the credentials never expire\)/);
    expect(r.err).toMatch(/an? observer service running on them is cut off: restart it/);
    expect(await nc.closed()).toBeInstanceOf(Error);
    await expect(fx.connectAs(observer)).rejects.toThrow(/Authorization Violation/i);
    // The revocation never lapses; the stored file is replaced by new credentials that work.
    const kept = (await fx.auth.ledger.revocations()).find(
      (x) => x.publicKey === observer.publicKey,
    );
    expect(kept).toBeDefined();
    expect(kept?.keepUntil).toBeUndefined();
    const renewed = await fx.auth.serviceCreds('observer', d);
    seeds.push(parseCreds(renewed.creds()).seed);
    expect(renewed.publicKey).not.toBe(observer.publicKey);
    await (await fx.connectAs(renewed)).flush();
  });

  it('keeps the revocations when the registrar pushes a worker’s', async () => {
    const enroll = await fx.connectAs(
      await fx.auth.serviceCreds('enroll', { root: fx.root, stream: fx.stream }),
    );
    const key = await issueKey(fx.log, { project: HEALTH, pool: GPU, models: ['m'] });
    const events: WorkerLifecycleEvent[] = [];
    let workerCreds: UserCredentials | undefined;
    const worker = await createWorker({
      nats: enroll,
      key: key.token,
      models: ['m'],
      root: fx.root,
      handler: (task) => Promise.resolve({ output: task.payload }),
      onEvent: (e) => events.push(e),
      connect: (c) => {
        workerCreds = c;
        return fx.connectAs(c);
      },
    });
    await expect.poll(() => events.some((e) => e.type === 'active'), { timeout: 5_000 }).toBe(true);
    if (workerCreds === undefined)
      throw new Error('the worker did not connect on its own credentials');
    const [a, b, c] = [await creds('a.creds'), await creds('b.creds'), await creds('c.creds')];
    const ncB = await fx.connectAs(b);

    await revokeWorker(fx.log, { project: HEALTH, pool: GPU, workerId: worker.id });
    await expect(worker.done).rejects.toThrow();
    // The registrar's account JWT lists the worker, and still every operator revocation.
    await expect
      .poll(async () => Object.keys(await storedRevocations()), { timeout: 10_000 })
      .toContain(workerCreds.publicKey);
    const stored = Object.keys(await storedRevocations());
    expect(stored).toEqual(expect.arrayContaining([a.publicKey, c.publicKey]));
    expect(stored).not.toContain(b.publicKey);
    // And so does the server, which took the registrar's push last.
    await expect(fx.connectAs(a)).rejects.toThrow(/Authorization Violation/i);
    await expect(fx.connectAs(c)).rejects.toThrow(/Authorization Violation/i);
    await expect(fx.connectAs(workerCreds)).rejects.toThrow(/Authorization Violation/i);
    expect(ncB.isClosed()).toBe(false);
    expect((await askStatus(ncB)).status).toBe('unknown');
  });

  it('keeps them in the rewritten server.conf: a restarted server refuses the revoked users', async () => {
    const [a, b, c, d] = [
      await creds('a.creds'),
      await creds('b.creds'),
      await creds('c.creds'),
      await creds('d.creds'),
    ];
    stop.abort();
    await up.done;
    await fx.server.stop();
    const auth = await openAuthDir(dataDir);
    expect(await readFile(auth.configPath, 'utf8')).toContain(auth.accountJwt());
    restarted = await startSecureNats({
      configPath: auth.configPath,
      admin: await auth.serviceCreds('admin'),
    });
    const url = restarted.url;
    const dial = async (u: UserCredentials) => {
      const nc = await connect({ servers: url, ...u.connectOptions(), reconnect: false });
      own.push(nc);
      return nc;
    };
    for (const revoked of [a, c, d])
      await expect(dial(revoked)).rejects.toThrow(/Authorization Violation/i);
    await (await dial(b)).flush();

    // Nothing secret was printed by any command of this file.
    const printed = outputs.join('\n') + up.stdout() + up.stderr();
    for (const seed of seeds) expect(printed).not.toContain(seed);
  });
});
