import { describe, expect, it } from 'vitest';
import type { DispatcherLease } from '../../events/index.ts';
import { decideLease, leaseRole } from './decide.ts';
import { evolveLease } from './evolve.ts';
import type { LeaseAction, LeaseCommand } from './decide.ts';
import type { LeaseObservation } from './evolve.ts';
import { defaultLeaseTerms, initialLeaseState } from './state.ts';
import type { LeaseState } from './state.ts';

const terms = defaultLeaseTerms();
const T0 = 1_000_000;
const tick = (candidate: string, now: number): LeaseCommand => ({ type: 'tick', candidate, now });
const held = (holder: string, term: number, expiresAt: number, revision = 7): LeaseState => ({
  status: 'held',
  revision,
  lease: { holder, term, expiresAt },
});

/** A key shared by candidates: each reads, decides, and writes with compare-and-set. */
class Key {
  revision = 0;
  value: DispatcherLease | undefined;
  read = (): LeaseObservation => ({ type: 'seen', revision: this.revision, lease: this.value });
  write = (a: LeaseAction): LeaseObservation => {
    if (a.type !== 'write') throw new Error('nothing to write');
    if (a.revision !== this.revision) return { type: 'lost_race' };
    this.revision += 1;
    this.value = a.lease;
    return { type: 'seen', revision: this.revision, lease: a.lease };
  };
}

/** One candidate's step: read the key, decide, write if told to. Returns its new state. */
const step = (key: Key, candidate: string, now: number, before = initialLeaseState()) => {
  const state = evolveLease(before, key.read());
  const action = decideLease(state, tick(candidate, now), terms);
  return action.type === 'write' ? evolveLease(state, key.write(action)) : state;
};

describe('the lease of a pool', () => {
  it('is claimed when vacant, created at revision 0, for one ttl', () => {
    const action = decideLease({ status: 'vacant', revision: 0 }, tick('a', T0), terms);
    expect(action).toEqual({
      type: 'write',
      revision: 0,
      lease: { holder: 'a', term: 1, expiresAt: T0 + terms.ttlMs },
      why: 'claim',
    });
  });

  it('writes nothing while unsure of the key', () => {
    expect(decideLease(initialLeaseState(), tick('a', T0), terms)).toEqual({ type: 'wait' });
    expect(evolveLease(held('a', 1, T0), { type: 'lost_race' })).toEqual({ status: 'unknown' });
  });

  it('is renewed by its holder once renewAfterMs of it passed, not before', () => {
    const mine = held('a', 3, T0 + terms.ttlMs);
    expect(decideLease(mine, tick('a', T0 + terms.renewAfterMs - 1), terms)).toEqual({
      type: 'wait',
    });
    expect(decideLease(mine, tick('a', T0 + terms.renewAfterMs), terms)).toEqual({
      type: 'write',
      revision: 7,
      lease: { holder: 'a', term: 3, expiresAt: T0 + terms.renewAfterMs + terms.ttlMs },
      why: 'renew',
    });
  });

  it('is waited for while another holds it, and taken over with the next term once it ends', () => {
    const theirs = held('a', 3, T0);
    expect(decideLease(theirs, tick('b', T0 - 1), terms)).toEqual({ type: 'wait' });
    expect(decideLease(theirs, tick('b', T0), terms)).toEqual({
      type: 'write',
      revision: 7,
      lease: { holder: 'b', term: 4, expiresAt: T0 + terms.ttlMs },
      why: 'take_over',
    });
  });

  it('is released by its holder at once, and by nobody else', () => {
    const mine = held('a', 2, T0 + 1_000);
    expect(decideLease(mine, { type: 'release', candidate: 'a', now: T0 }, terms)).toEqual({
      type: 'write',
      revision: 7,
      lease: { holder: 'a', term: 2, expiresAt: T0 },
      why: 'release',
    });
    expect(decideLease(mine, { type: 'release', candidate: 'b', now: T0 }, terms)).toEqual({
      type: 'wait',
    });
    const vacant = { status: 'vacant', revision: 3 } as const;
    expect(decideLease(vacant, { type: 'release', candidate: 'a', now: T0 }, terms)).toEqual({
      type: 'wait',
    });
  });

  it('makes its holder active until marginMs before its end, and nobody else ever', () => {
    const end = T0 + terms.ttlMs;
    const mine = held('a', 1, end);
    expect(leaseRole(mine, 'a', end - terms.marginMs - 1, terms)).toBe('active');
    expect(leaseRole(mine, 'a', end - terms.marginMs, terms)).toBe('standby');
    expect(leaseRole(mine, 'b', T0, terms)).toBe('standby');
    expect(leaseRole({ status: 'vacant', revision: 0 }, 'a', T0, terms)).toBe('standby');
    expect(leaseRole(initialLeaseState(), 'a', T0, terms)).toBe('standby');
  });

  it('reads a deleted key or a value that is no lease as vacant at its revision', () => {
    expect(
      evolveLease(initialLeaseState(), { type: 'seen', revision: 9, lease: undefined }),
    ).toEqual({ status: 'vacant', revision: 9 });
  });
});

describe('candidates racing for one key', () => {
  it('elect exactly one, and the other takes over only after the holder stops renewing', () => {
    const key = new Key();
    // Both read the vacant key before either writes: compare-and-set lets one win.
    const seenA = evolveLease(initialLeaseState(), key.read());
    const seenB = evolveLease(initialLeaseState(), key.read());
    const a = evolveLease(seenA, key.write(decideLease(seenA, tick('a', T0), terms)));
    const b = evolveLease(seenB, key.write(decideLease(seenB, tick('b', T0), terms)));
    expect(a.status).toBe('held');
    expect(b).toEqual({ status: 'unknown' });
    expect(leaseRole(a, 'a', T0, terms)).toBe('active');
    expect(leaseRole(b, 'b', T0, terms)).toBe('standby');

    // While a renews every 250 ms, b never becomes active, and at no instant are both active.
    let sa = a;
    let sb = b;
    let now = T0;
    for (let i = 0; i < 40; i += 1) {
      now += 250;
      sa = step(key, 'a', now, sa);
      sb = step(key, 'b', now, sb);
      expect(leaseRole(sa, 'a', now, terms)).toBe('active');
      expect(leaseRole(sb, 'b', now, terms)).toBe('standby');
    }
    // a dies: b takes over once a's lease has ended, within ttl plus one tick.
    const died = now;
    let tookOver: number | undefined;
    for (let i = 0; i < 20 && tookOver === undefined; i += 1) {
      now += 250;
      sb = step(key, 'b', now, sb);
      expect(
        leaseRole(sa, 'a', now, terms) === 'active' && leaseRole(sb, 'b', now, terms) === 'active',
      ).toBe(false);
      if (leaseRole(sb, 'b', now, terms) === 'active') tookOver = now;
    }
    expect(tookOver).toBeDefined();
    expect((tookOver ?? Infinity) - died).toBeLessThanOrEqual(terms.ttlMs + 250);
    expect(key.value).toMatchObject({ holder: 'b', term: 2 });
  });
});
