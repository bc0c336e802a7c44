import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from '@nats-io/jwt';
import type { Account } from '@nats-io/jwt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, UnavailableError } from '../events/index.ts';
import { openAuthDir } from './auth-dir.ts';
import { credentialAuthority } from './credential-authority.ts';
import {
  EXPIRED_KEEP_MS,
  LedgerFiles,
  openCredentialLedger,
  revocationTime,
} from './credential-ledger.ts';
import { withDirLock } from './dir-lock.ts';
import { revokeUser } from './revoke-user.ts';
import { UserCredentials } from './user-credentials.ts';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'fleet-ledger-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const newKey = () => UserCredentials.newPair().getPublicKey();
const revocationsIn = (jwt: string) => decode<Account>(jwt).nats.revocations ?? {};

describe('the credential ledger', () => {
  it('records issued credentials once, and lists those not expired', async () => {
    let now = 1_000_000;
    const ledger = openCredentialLedger(dataDir, () => now);
    const [a, b, s] = [newKey(), newKey(), newKey()];
    await ledger.record({
      publicKey: a,
      role: 'producer',
      project: 'p',
      issuedAt: now,
      expiresAt: now + 10,
    });
    await ledger.record({
      publicKey: a,
      role: 'producer',
      project: 'q',
      issuedAt: now,
      expiresAt: now + 99,
    });
    await ledger.record({
      publicKey: b,
      role: 'producer',
      project: 'p',
      issuedAt: now + 1,
      expiresAt: now + 1_000,
    });
    await ledger.record({ publicKey: s, role: 'observer', issuedAt: now + 2 });
    expect((await ledger.issued()).map((c) => c.publicKey)).toEqual([a, b, s]);
    expect((await ledger.find(a))?.project).toBe('p');
    now += 500;
    expect((await ledger.issued()).map((c) => c.publicKey)).toEqual([b, s]);
    // Expired records are dropped at the next write.
    await ledger.record({
      publicKey: newKey(),
      role: 'producer',
      issuedAt: now,
      expiresAt: now + 1,
    });
    expect(await ledger.find(a)).toBeUndefined();
    await expect(
      ledger.record({ publicKey: 'Unot-a-key', role: 'producer', issuedAt: now }),
    ).rejects.toThrow(/not a NATS user public key/);
  });

  it('keeps a revocation until its credentials expire, or for good when they never do', async () => {
    let now = 5_000_000;
    const ledger = openCredentialLedger(dataDir, () => now);
    const [producer, service] = [newKey(), newKey()];
    await ledger.revoke({ publicKey: producer, revokedAt: now, keepUntil: now + 60_000 });
    await ledger.revoke({ publicKey: service, revokedAt: now, role: 'admin' });
    expect(await ledger.accountRevocations()).toEqual({
      [producer]: revocationTime(now),
      [service]: revocationTime(now),
    });
    now += 60_001;
    expect(await ledger.accountRevocations()).toEqual({ [service]: revocationTime(now - 60_001) });
    now += 10 * 365 * 24 * 60 * 60_000;
    expect(Object.keys(await ledger.accountRevocations())).toEqual([service]);
  });

  it('refuses a damaged file with a typed error', async () => {
    await writeFile(join(dataDir, LedgerFiles.revocations), '{"revocations": [{"publicKey": 1}]}');
    await expect(openCredentialLedger(dataDir).revocations()).rejects.toMatchObject({
      code: ErrorCode.InvalidInput,
      message: expect.stringMatching(/revocations\.json is not a valid Fleet file/) as unknown,
    });
    await writeFile(join(dataDir, LedgerFiles.issued), 'not json');
    await expect(openCredentialLedger(dataDir).issued()).rejects.toThrow(
      /issued\.json is not JSON/,
    );
  });
});

describe('the account JWT carries both kinds of revocation', () => {
  it('the registrar merges the operator’s kept revocations into every push', async () => {
    let now = Date.now();
    const auth = await openAuthDir(dataDir, { create: true });
    const producer = newKey();
    await auth.ledger.revoke({
      publicKey: producer,
      revokedAt: now,
      keepUntil: now + 3 * 60 * 60_000,
    });
    const authority = credentialAuthority({
      material: auth.material,
      workerTtlMs: 60 * 60_000,
      onAccountJwt: (jwt) => auth.saveAccountJwt(jwt),
      kept: auth.ledger,
      now: () => now,
    });
    const worker = newKey();
    await authority.revoke(new Map([[worker, now]]));
    expect(revocationsIn(auth.accountJwt())).toEqual({
      [worker]: revocationTime(now),
      [producer]: revocationTime(now),
    });
    // Two hours on, the worker's revocation is past any worker credential; the producer's is not.
    now += 2 * 60 * 60_000;
    await authority.revoke(new Map([[worker, now - 2 * 60 * 60_000]]));
    expect(Object.keys(revocationsIn(auth.accountJwt()))).toEqual([producer]);
  });

  it('fleet creds revoke keeps what the registrar stored, and its first revocation time', async () => {
    const auth = await openAuthDir(dataDir, { create: true });
    const worker = newKey();
    const t0 = Date.now() - 10_000;
    await credentialAuthority({
      material: auth.material,
      onAccountJwt: (jwt) => auth.saveAccountJwt(jwt),
      kept: auth.ledger,
    }).revoke(new Map([[worker, t0]]));

    // Another process: its own view of the folder.
    const cli = await openAuthDir(dataDir);
    const producer = newKey();
    const pushed: string[] = [];
    const first = await revokeUser(
      cli,
      { publicKey: producer, role: 'producer', project: 'p', expiresAt: t0 + 60_000 },
      { push: (jwt) => Promise.resolve(void pushed.push(jwt)), now: () => t0 },
    );
    expect(first.already).toBe(false);
    expect(first.revocation.keepUntil).toBe(t0 + 60_000 + EXPIRED_KEEP_MS);
    expect(pushed).toEqual([first.accountJwt]);
    expect(revocationsIn(first.accountJwt)).toEqual({
      [worker]: revocationTime(t0),
      [producer]: revocationTime(t0),
    });
    // Stored for a restart, where the registrar's own view is reloaded from.
    expect(await auth.reloadAccountJwt()).toBe(first.accountJwt);

    const again = await revokeUser(cli, { publicKey: producer }, { now: () => t0 + 5_000 });
    expect(again.already).toBe(true);
    expect(again.revocation.revokedAt).toBe(t0);
  });

  it('a revoked service’s stored credentials are replaced by new ones', async () => {
    const auth = await openAuthDir(dataDir, { create: true });
    const hud = await auth.serviceCreds('hud');
    expect((await auth.ledger.find(hud.publicKey))?.role).toBe('hud');
    expect((await auth.serviceCreds('hud')).publicKey).toBe(hud.publicKey);
    await revokeUser(auth, { publicKey: hud.publicKey, role: 'hud' });
    const next = await auth.serviceCreds('hud');
    expect(next.publicKey).not.toBe(hud.publicKey);
    expect((await auth.ledger.issued()).map((c) => c.publicKey)).toEqual(
      expect.arrayContaining([hud.publicKey, next.publicKey]),
    );
  });
});

describe('the folder lock', () => {
  it('waits for its holder, gives up with a typed error, and removes a stale one', async () => {
    const lock = join(dataDir, 'lock');
    await mkdir(lock);
    const held = withDirLock(lock, () => Promise.resolve('got it'), { waitMs: 100 });
    await expect(held).rejects.toBeInstanceOf(UnavailableError);
    // Left by a process that died a minute ago: taken over.
    const past = new Date(Date.now() - 60_000);
    await utimes(lock, past, past);
    expect(await withDirLock(lock, () => Promise.resolve('got it'), { waitMs: 100 })).toBe(
      'got it',
    );
  });

  it('runs one holder at a time, and lets a holder take it again', async () => {
    const lock = join(dataDir, 'lock');
    const order: string[] = [];
    const section = (name: string) =>
      withDirLock(lock, async () => {
        order.push(`${name}+`);
        // Reentrant: a nested call in the same chain does not wait for itself.
        await withDirLock(lock, () => Promise.resolve(order.push(`${name} nested`)));
        await new Promise((r) => setImmediate(r));
        order.push(`${name}-`);
      });
    await Promise.all([section('a'), section('b')]);
    expect(order).toEqual(['a+', 'a nested', 'a-', 'b+', 'b nested', 'b-']);
  });
});
