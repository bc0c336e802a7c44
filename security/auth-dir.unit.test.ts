import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { allKeys, seedText } from './auth-material.ts';
import { AuthFiles, openAuthDir } from './auth-dir.ts';
import { credentialAuthority, REVOCATION_MARGIN_S } from './credential-authority.ts';
import { RENEWAL_SKEW_MS, signRenewal, verifyRenewal } from './renewal-proof.ts';
import { UserCredentials } from './user-credentials.ts';
import { parseCreds, peekUserJwt } from './user-jwt.ts';
import type { PoolId, ProjectId, WorkerId } from '../events/index.ts';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'fleet-auth-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('the auth folder', () => {
  it('is generated once, with seeds and creds readable by the owner only, and reused after', async () => {
    await expect(openAuthDir(dataDir)).rejects.toThrow(/fleet up --secure/);
    const first = await openAuthDir(dataDir, { create: true });
    expect(first.created).toBe(true);
    const admin = await first.serviceCreds('admin');
    for (const f of [
      AuthFiles.operatorSeed,
      AuthFiles.systemSeed,
      AuthFiles.accountSeed,
      AuthFiles.accountSignerSeed,
    ])
      expect(await mode(join(first.dir, f))).toBe(0o600);
    expect(await mode(first.credsPath('admin'))).toBe(0o600);
    expect(await mode(first.dir)).toBe(0o700);

    const again = await openAuthDir(dataDir, { create: true });
    expect(again.created).toBe(false);
    expect(again.material.operator.getPublicKey()).toBe(first.material.operator.getPublicKey());
    expect(again.material.accountSigner.getPublicKey()).toBe(
      first.material.accountSigner.getPublicKey(),
    );
    expect((await again.serviceCreds('admin')).publicKey).toBe(admin.publicKey);
    // Another deployment's creds are reissued for it.
    const enroll = await again.serviceCreds('enroll', { root: 'a' });
    expect((await again.serviceCreds('enroll', { root: 'b' })).publicKey).not.toBe(
      enroll.publicKey,
    );
  });

  it('keeps every secret out of the server config and the JWTs', async () => {
    const auth = await openAuthDir(dataDir, { create: true });
    const config = await readFile(auth.configPath, 'utf8');
    expect(await mode(auth.configPath)).toBe(0o644);
    expect(config).toContain(`operator: "`);
    expect(config).toContain(`system_account: ${auth.material.system.getPublicKey()}`);
    expect(config).toContain('resolver: MEMORY');
    const seeds = allKeys(auth.material).map((kp) => seedText(kp));
    const publicFiles = (await readdir(auth.dir)).filter((f) => !f.endsWith('.nk'));
    for (const f of publicFiles.filter((x) => x !== AuthFiles.credsFolder)) {
      const text = await readFile(join(auth.dir, f), 'utf8');
      for (const seed of seeds) expect(text).not.toContain(seed);
    }
  });

  it('stores a revocation in the account JWT and the server config', async () => {
    const auth = await openAuthDir(dataDir, { create: true });
    const authority = credentialAuthority({
      material: auth.material,
      onAccountJwt: (jwt) => auth.saveAccountJwt(jwt),
    });
    const user = UserCredentials.newPair().getPublicKey();
    const at = Date.now();
    await authority.revoke(new Map([[user, at]]));
    const claims = peekUserJwt(auth.accountJwt()) as unknown as {
      nats: { revocations: Record<string, number> };
    };
    expect(claims.nats.revocations[user]).toBe(Math.floor(at / 1000) + REVOCATION_MARGIN_S);
    expect(await readFile(auth.configPath, 'utf8')).toContain(auth.accountJwt());
    // A restart reads them back.
    expect((await openAuthDir(dataDir)).accountJwt()).toBe(auth.accountJwt());
    // Revocations older than any credential's lifetime are dropped.
    await authority.revoke(new Map([[user, at - 2 * 60 * 60_000]]));
    expect(
      (peekUserJwt(auth.accountJwt()) as unknown as { nats: { revocations?: object } }).nats
        .revocations,
    ).toBeUndefined();
  });
});

describe('credentials', () => {
  it('a worker’s credentials are for its key, name it, expire, and round-trip as a creds file', async () => {
    const auth = await openAuthDir(dataDir, { create: true });
    const authority = credentialAuthority({ material: auth.material, workerTtlMs: 60_000 });
    const pair = UserCredentials.newPair();
    const w = {
      workerId: 'w1' as WorkerId,
      project: 'p' as ProjectId,
      pool: 'q' as PoolId,
      publicKey: pair.getPublicKey(),
    };
    const issued = await authority.issue(w);
    expect(issued.expiresAt).toBeGreaterThan(Date.now() + 50_000);
    expect(authority.isCurrent(issued.jwt, w)).toBe(true);
    expect(authority.isCurrent(issued.jwt, { ...w, workerId: 'w2' as WorkerId })).toBe(false);
    expect(
      authority.isCurrent(issued.jwt, {
        ...w,
        publicKey: UserCredentials.newPair().getPublicKey(),
      }),
    ).toBe(false);
    // Signed by another deployment's key: not current here.
    const elsewhere = credentialAuthority({
      material: (await openAuthDir(join(dataDir, 'other'), { create: true })).material,
    });
    expect(elsewhere.isCurrent(issued.jwt, w)).toBe(false);

    const creds = UserCredentials.of(pair, issued.jwt);
    const text = creds.creds();
    expect(parseCreds(text).jwt).toBe(issued.jwt);
    expect(UserCredentials.fromCreds(text).publicKey).toBe(pair.getPublicKey());
    expect(JSON.stringify(creds)).not.toContain(parseCreds(text).seed);
    expect(() => {
      UserCredentials.of(UserCredentials.newPair(), issued.jwt);
    }).toThrow(/is for user U\w+, not U/);
  });

  it('a renewal proof verifies for its key, worker, root and time only', () => {
    const pair = UserCredentials.newPair();
    const at = Date.now();
    const signature = signRenewal((d) => pair.sign(d), 'fleet', 'w1', at);
    const proof = { publicKey: pair.getPublicKey(), root: 'fleet', workerId: 'w1', at, signature };
    expect(verifyRenewal({ ...proof, now: at })).toBe(true);
    expect(verifyRenewal({ ...proof, workerId: 'w2', now: at })).toBe(false);
    expect(verifyRenewal({ ...proof, root: 'other', now: at })).toBe(false);
    expect(verifyRenewal({ ...proof, now: at + RENEWAL_SKEW_MS + 1 })).toBe(false);
    expect(
      verifyRenewal({ ...proof, publicKey: UserCredentials.newPair().getPublicKey(), now: at }),
    ).toBe(false);
    expect(verifyRenewal({ ...proof, signature: 'not-base64!', now: at })).toBe(false);
  });
});
