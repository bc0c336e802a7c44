import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../../events/index.ts';
import { ev, log, P, POOL } from '../../test/support/builders.ts';
import { evolve, evolveAll } from './evolve.ts';
import { initialState } from './state.ts';
import type { RegistrarState } from './state.ts';

const HASH = 'a'.repeat(64);
const issued = (keyId = 'k1', project: string = P.health, maxUses = 2) =>
  ev('key.issued', { keyId, project, pool: POOL, maxUses, expiresAt: 10_000, secretHash: HASH });
const used = (use: number, keyId = 'k1', project: string = P.health) =>
  ev('key.used', { keyId, project, workerId: `w${use}`, use });
const revoked = (keyId = 'k1', project: string = P.health) =>
  ev('key.revoked', { keyId, project, reason: 'leaked' });

const fold = (entries: LogEntry[]) => evolveAll(initialState(), entries);
/** The last refusal's reason, or undefined when the last entry took effect. */
const lastRefusal = (s: RegistrarState) => {
  const r = s.rejections.recent.at(-1);
  return r?.seq === s.position ? r.reason : undefined;
};

describe('the registrar’s fold', () => {
  it('folds an issued key as active and unused, with the stream’s position', () => {
    const s = fold(log([issued()], { at: () => 777 }));
    expect(s.keys['k1']).toMatchObject({
      status: 'active',
      uses: 0,
      maxUses: 2,
      project: P.health,
      issuedSeq: 1,
      issuedAt: 777,
    });
    expect(s.position).toBe(1);
  });

  it('counts uses up to maxUses and refuses a use beyond it', () => {
    const s = fold(log([issued(), used(1), used(2), used(3)]));
    expect(s.keys['k1']?.uses).toBe(2);
    expect(lastRefusal(s)).toBe('exhausted');
    expect(s.rejections.byReason).toEqual({ exhausted: 1 });
  });

  it('refuses a use out of turn', () => {
    const s = fold(log([issued(), used(2)]));
    expect(s.keys['k1']?.uses).toBe(0);
    expect(lastRefusal(s)).toBe('stale_use');
    expect(lastRefusal(fold(log([issued(), used(1), used(1)])))).toBe('stale_use');
  });

  it('refuses a use of an unknown or revoked key', () => {
    expect(lastRefusal(fold(log([used(1)])))).toBe('unknown_key');
    const s = fold(log([issued(), revoked(), used(1)]));
    expect(s.keys['k1']).toMatchObject({ status: 'revoked', uses: 0, reason: 'leaked' });
    expect(lastRefusal(s)).toBe('revoked');
  });

  it('keeps the first issue of an id across projects and refuses cross-project events', () => {
    const s = fold(log([issued('k1', P.health), issued('k1', P.fin), used(1, 'k1', P.fin)]));
    expect(s.keys['k1']?.project).toBe(P.health);
    expect(s.keys['k1']?.uses).toBe(0);
    expect(s.rejections.byReason).toEqual({ duplicate: 1, cross_project: 1 });
    expect(lastRefusal(fold(log([issued(), revoked('k1', P.fin)])))).toBe('cross_project');
  });

  it('refuses revoking twice or revoking an unknown key', () => {
    expect(lastRefusal(fold(log([issued(), revoked(), revoked()])))).toBe('revoked');
    expect(lastRefusal(fold(log([revoked()])))).toBe('unknown_key');
  });

  it('counts unreadable entries and events that are not key events', () => {
    const s = fold([
      { seq: 1, at: 1, refused: { code: 'schema_invalid', message: 'bad' } },
      ...log([ev('worker.left', { workerId: 'w1', project: P.health, pool: POOL })], { from: 2 }),
    ]);
    expect(s.rejections.byReason).toEqual({ unreadable: 1, not_a_key_event: 1 });
    expect(s.keys).toEqual({});
  });

  it('ignores replays and leaves the prior state untouched', () => {
    const before = fold(log([issued(), used(1)]));
    const after = evolve(before, { seq: 2, at: 2, events: [used(2)] });
    expect(after).toBe(before);
    const next = evolve(before, { seq: 3, at: 3, events: [used(2)] });
    expect(next.keys['k1']?.uses).toBe(2);
    expect(before.keys['k1']?.uses).toBe(1);
  });

  it('keeps only the most recent refusals', () => {
    const s = fold(log([issued(), ...Array.from({ length: 60 }, () => used(9))]));
    expect(s.rejections.byReason).toEqual({ stale_use: 60 });
    expect(s.rejections.recent).toHaveLength(50);
    expect(s.rejections.recent.at(-1)?.seq).toBe(61);
  });
});
