import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../../events/index.ts';
import { ev, log, P, POOL } from '../../test/support/builders.ts';
import { decide } from './decide.ts';
import { EnrollCommand } from './enroll-command.ts';
import { evolveAll } from './evolve.ts';
import { hashSecret } from './keys.ts';
import { initialState } from './state.ts';

const SECRET = 'A'.repeat(42) + 'Q';
const HASH = hashSecret(SECRET);

type Issued = Parameters<typeof ev<'key.issued'>>[1];
const issued = (over: Partial<Issued> = {}) =>
  ev('key.issued', {
    keyId: 'k1',
    project: P.health,
    pool: POOL,
    maxUses: 3,
    expiresAt: 10_000,
    secretHash: HASH,
    ...over,
  });
const used = (use: number, keyId = 'k1') =>
  ev('key.used', { keyId, project: P.health, workerId: `u${use}`, use });
const revoked = (keyId = 'k1') => ev('key.revoked', { keyId, project: P.health });

const enroll = (
  over: {
    keyId?: string;
    secretHash?: string;
    request?: Record<string, unknown>;
    workerId?: string;
    now?: number;
  } = {},
) =>
  EnrollCommand.parse({
    type: 'enroll',
    data: {
      keyId: over.keyId ?? 'k1',
      secretHash: over.secretHash ?? HASH,
      request: over.request ?? { models: ['llama'] },
      workerId: over.workerId ?? 'w1',
    },
    meta: { now: over.now ?? 1_000 },
  });

const given = (entries: LogEntry[]) => evolveAll(initialState(), entries);
const refusal = (entries: LogEntry[], command = enroll()) => {
  const d = decide(given(entries), command);
  return d.ok ? undefined : d.error.reason;
};

describe('deciding an enrollment', () => {
  it('admits with the key’s next use and the worker’s membership', () => {
    const d = decide(given(log([issued(), used(1)])), enroll({ workerId: 'w9', now: 2_000 }));
    expect(d).toEqual({
      ok: true,
      value: [
        {
          type: 'key.used',
          data: { keyId: 'k1', project: P.health, workerId: 'w9', use: 2 },
          meta: { at: 2_000 },
        },
        {
          type: 'worker.enrolled',
          data: {
            workerId: 'w9',
            project: P.health,
            pool: POOL,
            keyId: 'k1',
            models: ['llama'],
            labels: {},
            exclusive: [],
            runtime: { kind: 'process' },
            capacity: 1,
          },
          meta: { at: 2_000 },
        },
      ],
    });
  });

  it('refuses an unknown key', () => {
    expect(refusal(log([issued()]), enroll({ keyId: 'k2' }))).toBe('unknown_key');
    expect(refusal([])).toBe('unknown_key');
  });

  it('refuses a wrong secret', () => {
    expect(refusal(log([issued()]), enroll({ secretHash: hashSecret('other') }))).toBe(
      'bad_secret',
    );
  });

  it('refuses a revoked key', () => {
    expect(refusal(log([issued(), revoked()]))).toBe('revoked');
  });

  it('refuses an expired key from its expiry on', () => {
    const h = log([issued({ expiresAt: 5_000 })]);
    expect(refusal(h, enroll({ now: 4_999 }))).toBeUndefined();
    expect(refusal(h, enroll({ now: 5_000 }))).toBe('expired');
    expect(refusal(h, enroll({ now: 9_000 }))).toBe('expired');
  });

  it('refuses an exhausted key', () => {
    expect(refusal(log([issued({ maxUses: 2 }), used(1)]))).toBeUndefined();
    expect(refusal(log([issued({ maxUses: 2 }), used(1), used(2)]))).toBe('exhausted');
  });

  it('refuses models outside the key’s, and allows any when the key lists none', () => {
    const h = log([issued({ models: ['llama', 'mistral'] })]);
    expect(refusal(h, enroll({ request: { models: ['llama'] } }))).toBeUndefined();
    expect(refusal(h, enroll({ request: { models: ['mistral', 'llama'] } }))).toBeUndefined();
    expect(refusal(h, enroll({ request: { models: [] } }))).toBeUndefined();
    expect(refusal(h, enroll({ request: { models: ['llama', 'gpt'] } }))).toBe('model_not_allowed');
    expect(refusal(log([issued()]), enroll({ request: { models: ['anything'] } }))).toBeUndefined();
  });

  it('checks in order: key, secret, revoked, expired, exhausted, models', () => {
    // A key that fails every check; each line repairs one more and meets the next refusal.
    const key = (over: Partial<Issued> = {}) =>
      issued({ maxUses: 1, expiresAt: 500, models: ['x'], ...over });
    const reason = (h: LogEntry[], secretHash = HASH) => refusal(h, enroll({ secretHash }));
    expect(reason(log([key(), used(1), revoked()]), hashSecret('bad'))).toBe('bad_secret');
    expect(reason(log([key(), used(1), revoked()]))).toBe('revoked');
    expect(reason(log([key(), used(1)]))).toBe('expired');
    expect(reason(log([key({ expiresAt: 10_000 }), used(1)]))).toBe('exhausted');
    expect(reason(log([key({ expiresAt: 10_000 })]))).toBe('model_not_allowed');
  });

  it('takes project, pool and exclusive labels from the key, and lets key labels win', () => {
    const h = log([issued({ labels: { gpu: 'h100', tier: 1 }, exclusive: ['gpu'] })]);
    const d = decide(
      given(h),
      enroll({
        request: {
          models: ['llama'],
          labels: { gpu: 'a100', zone: 'eu' },
          runtime: { kind: 'docker', memoryMb: 512 },
          capacity: 4,
        },
      }),
    );
    expect(d.ok && d.value[1].data).toMatchObject({
      project: P.health,
      pool: POOL,
      labels: { gpu: 'h100', tier: 1, zone: 'eu' },
      exclusive: ['gpu'],
      runtime: { kind: 'docker', memoryMb: 512 },
      capacity: 4,
    });
  });

  it('admits no request that names its own project or pool', () => {
    const bad = (request: Record<string, unknown>) =>
      EnrollCommand.safeParse({
        type: 'enroll',
        data: { keyId: 'k1', secretHash: HASH, request, workerId: 'w1' },
        meta: { now: 1 },
      }).success;
    expect(bad({ project: P.fin })).toBe(false);
    expect(bad({ pool: 'cpu' })).toBe(false);
    expect(bad({})).toBe(true);
  });

  it('never puts the stored hash in a refusal', () => {
    const h = log([issued()]);
    for (const c of [enroll({ secretHash: hashSecret('x') }), enroll({ keyId: 'k2' })]) {
      const d = decide(given(h), c);
      expect(d.ok).toBe(false);
      expect(JSON.stringify(d)).not.toContain(HASH);
    }
  });
});
