import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultLeaseTerms } from '../../domain/lease/index.ts';
import type { LeaseRole } from '../../domain/lease/index.ts';
import type { PoolId } from '../../events/index.ts';
import { connectTest, uniqueName } from '../../test/harness/index.ts';
import { holdPoolLease } from './pool-lease.ts';
import type { PoolLease } from './pool-lease.ts';

const terms = defaultLeaseTerms();
let nc: NatsConnection;
let bucket: string;
let clock: number;
const held: PoolLease[] = [];

beforeEach(async () => {
  nc = await connectTest();
  bucket = uniqueName('lease');
  clock = 1_000_000;
});
afterEach(async () => {
  for (const l of held.splice(0)) await l.stop();
  await (await new Kvm(nc).open(bucket)).destroy().catch(() => undefined);
  await nc.close();
});

/** A candidate on the test clock, ticking only when the test says so. */
const candidate = async (name: string, pool = 'gpu') => {
  const roles: LeaseRole[] = [];
  const lease = await holdPoolLease({
    nc,
    bucket,
    pool: pool as PoolId,
    candidate: name,
    now: () => clock,
    tickMs: 3_600_000,
    onRole: (role) => roles.push(role),
  });
  held.push(lease);
  return { lease, roles };
};

describe('a pool’s lease on KV', () => {
  it('makes the first candidate active and the second a standby; pools are leased apart', async () => {
    const a = await candidate('a');
    const b = await candidate('b');
    const other = await candidate('b', 'cpu');
    expect(a.lease.role()).toBe('active');
    expect(a.roles).toEqual(['active']);
    expect(b.lease.role()).toBe('standby');
    expect(b.lease.state()).toMatchObject({ status: 'held', lease: { holder: 'a', term: 1 } });
    expect(other.lease.role()).toBe('active');
  });

  it('lets one of two candidates racing at once win, whatever the interleaving', async () => {
    const [a, b] = await Promise.all([candidate('a'), candidate('b')]);
    expect([a.lease.role(), b.lease.role()].sort()).toEqual(['active', 'standby']);
  });

  it('is kept by a holder that renews, and taken over once it stops', async () => {
    const a = await candidate('a');
    const b = await candidate('b');
    for (let i = 0; i < 8; i += 1) {
      clock += terms.renewAfterMs;
      await a.lease.tick();
      await b.lease.tick();
      expect(a.lease.role()).toBe('active');
      expect(b.lease.role()).toBe('standby');
    }
    // a dies: nothing renews. Until its lease ends, b waits; then b takes over, term 2.
    const diedAt = clock;
    clock += terms.ttlMs - 1;
    await b.lease.tick();
    expect(b.lease.role()).toBe('standby');
    clock += 1;
    await b.lease.tick();
    expect(b.lease.role()).toBe('active');
    expect(b.lease.state()).toMatchObject({ lease: { holder: 'b', term: 2 } });
    expect(clock - diedAt).toBeLessThan(3_000);
  });

  it('deposes a holder that comes back late: its renewal loses the race, it stands by', async () => {
    const a = await candidate('a');
    const b = await candidate('b');
    clock += terms.ttlMs;
    await b.lease.tick();
    expect(b.lease.role()).toBe('active');
    // a was paused (a long GC, a partition) and now tries to renew what it thinks it holds.
    await a.lease.tick();
    expect(a.lease.role()).toBe('standby');
    expect(a.roles).toEqual(['active', 'standby']);
    await a.lease.tick();
    expect(a.lease.state()).toMatchObject({ status: 'held', lease: { holder: 'b' } });
    expect(b.lease.role()).toBe('active');
  });

  it('is released by a stopping holder, so the standby takes over without waiting', async () => {
    const a = await candidate('a');
    const b = await candidate('b');
    await a.lease.stop();
    expect(a.roles).toEqual(['active', 'standby']);
    await b.lease.tick();
    expect(b.lease.role()).toBe('active');
  });

  it('stops a holder cut off from NATS by the clock alone, before its lease ends', async () => {
    const a = await candidate('a');
    await nc.close();
    // Its reads and writes fail now; the role follows the lease's end all the same.
    clock += terms.ttlMs - terms.marginMs;
    await a.lease.tick();
    expect(a.lease.role()).toBe('standby');
    // Its stop cannot release: the lease lapses by itself.
    await a.lease.stop();
    held.splice(0);
    nc = await connectTest();
  });
});
