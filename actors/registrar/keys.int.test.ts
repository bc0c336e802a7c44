import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isId, RefusedError } from '../../events/index.ts';
import type { KeyId } from '../../events/index.ts';
import { fleetFixture } from '../../test/support/fleet-fixture.ts';
import type { FleetFixture } from '../../test/support/fleet-fixture.ts';
import { P, POOL } from '../../test/support/builders.ts';
import {
  formatKeyToken,
  hashSecret,
  issueKey,
  KeyError,
  listKeys,
  newKeyId,
  newSecret,
  parseKeyToken,
  revokeKey,
} from './keys.ts';

describe('key tokens', () => {
  it('draws key ids valid as subject tokens and 256-bit secrets', () => {
    const id = newKeyId();
    expect(id).toMatch(/^k[0-9a-f]{16}$/);
    expect(isId(id)).toBe(true);
    expect(newKeyId()).not.toBe(id);
    const secret = newSecret();
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('round-trips a token, even when the secret or the id holds underscores', () => {
    for (const [keyId, secret] of [
      ['k0123456789abcdef', newSecret()],
      ['my_key-1', `_${'-'.repeat(20)}_${'a'.repeat(21)}`],
    ] as const) {
      const token = formatKeyToken(keyId as KeyId, secret);
      expect(token.startsWith(`fk_${keyId}_`)).toBe(true);
      expect(parseKeyToken(token)).toEqual({ ok: true, value: { keyId, secret } });
    }
  });

  it('refuses malformed tokens with a typed error that does not quote them', () => {
    const secret = newSecret();
    for (const token of [
      `k1_${secret}`,
      `fk_k1${secret}`,
      `fk_k1_${secret.slice(1)}`,
      `fk__${secret}`,
      `fk_k.1_${secret}`,
      `fk_k1_${secret.slice(0, 42)}=`,
      '',
    ]) {
      const r = parseKeyToken(token);
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.error).toBeInstanceOf(KeyError);
      expect(r.error.code).toBe('schema_invalid');
      expect(r.error.message).not.toContain(secret.slice(0, 10));
    }
  });

  it('hashes the secret’s text with SHA-256, in hex', () => {
    expect(hashSecret('abc')).toBe(createHash('sha256').update('abc').digest('hex'));
    expect(hashSecret('abc')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('key management on the log', () => {
  let f: FleetFixture;
  beforeEach(async () => {
    f = await fleetFixture();
  });
  afterEach(async () => {
    await f.close();
  });

  it('issues a key storing only the hash, and lists it without the hash', async () => {
    const key = await issueKey(f.log, {
      project: P.health,
      pool: POOL,
      models: ['llama'],
      labels: { gpu: 'h100' },
      exclusive: ['gpu'],
      maxUses: 3,
      ttlMs: 60_000,
      name: 'ci runners',
      now: 1_000,
    });
    expect(key.token).toBe(`fk_${key.keyId}_${key.secret}`);
    expect(key.expiresAt).toBe(61_000);
    const stored = await f.log.jsm.streams.getMessage(f.log.stream, { seq: key.seq });
    const text = new TextDecoder().decode(stored?.data);
    expect(text).toContain(hashSecret(key.secret));
    expect(text).not.toContain(key.secret);

    const keys = await listKeys(f.log, { now: 2_000 });
    expect(keys).toEqual([
      {
        keyId: key.keyId,
        project: P.health,
        pool: POOL,
        models: ['llama'],
        labels: { gpu: 'h100' },
        exclusive: ['gpu'],
        maxUses: 3,
        uses: 0,
        expiresAt: 61_000,
        issuedAt: expect.any(Number) as number,
        name: 'ci runners',
        status: 'active',
      },
    ]);
    expect(JSON.stringify(keys)).not.toContain(hashSecret(key.secret));
    expect((await listKeys(f.log, { now: 61_000 }))[0]?.status).toBe('expired');
  });

  it('lists one project’s keys, in issue order', async () => {
    const a = await issueKey(f.log, { project: P.health, pool: POOL });
    const b = await issueKey(f.log, { project: P.fin, pool: POOL });
    const c = await issueKey(f.log, { project: P.health, pool: 'cpu' });
    expect((await listKeys(f.log)).map((k) => k.keyId)).toEqual([a.keyId, b.keyId, c.keyId]);
    expect((await listKeys(f.log, { project: P.health })).map((k) => k.keyId)).toEqual([
      a.keyId,
      c.keyId,
    ]);
    expect(await listKeys(f.log, { project: 'nobody' })).toEqual([]);
    await expect(listKeys(f.log, { project: 'Bad.Name' })).rejects.toBeInstanceOf(KeyError);
  });

  it('revokes a key once, and refuses revoking an unknown one', async () => {
    const key = await issueKey(f.log, { project: P.health, pool: POOL });
    await revokeKey(f.log, P.health, key.keyId, 'leaked');
    expect(await listKeys(f.log)).toMatchObject([
      {
        keyId: key.keyId,
        status: 'revoked',
        reason: 'leaked',
        revokedAt: expect.any(Number) as number,
      },
    ]);
    await expect(revokeKey(f.log, P.health, key.keyId)).rejects.toMatchObject({
      reason: 'revoked',
    });
    await expect(revokeKey(f.log, P.fin, key.keyId)).rejects.toMatchObject({
      reason: 'unknown_key',
    });
    await expect(revokeKey(f.log, P.health, 'k404')).rejects.toBeInstanceOf(RefusedError);
  });

  it('refuses a taken id and invalid options', async () => {
    await issueKey(f.log, { project: P.health, pool: POOL, keyId: 'mine' });
    await expect(
      issueKey(f.log, { project: P.health, pool: POOL, keyId: 'mine' }),
    ).rejects.toMatchObject({ reason: 'key_exists' });
    for (const bad of [
      { project: 'Health', pool: POOL },
      { project: P.health, pool: POOL, maxUses: 0 },
      { project: P.health, pool: POOL, ttlMs: -1 },
      { project: P.health, pool: POOL, models: ['bad model'] },
      { project: P.health, pool: POOL, keyId: 'a.b' },
    ])
      await expect(issueKey(f.log, bad)).rejects.toBeInstanceOf(KeyError);
    expect(await listKeys(f.log)).toHaveLength(1);
  });
});
