import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EnrollReply } from '../../events/index.ts';
import type { EnrollRefusal, FleetEvent, PoolId } from '../../events/index.ts';
import { fleetFixture } from '../../test/support/fleet-fixture.ts';
import type { FleetFixture } from '../../test/support/fleet-fixture.ts';
import { P, POOL } from '../../test/support/builders.ts';
import { startDispatcher } from '../dispatcher/dispatcher.ts';
import type { Dispatcher } from '../dispatcher/dispatcher.ts';
import { isReadable } from '../../events/index.ts';
import { hashSecret, issueKey, revokeKey } from './keys.ts';
import type { IssueKeyOptions } from './keys.ts';
import { startRegistrar } from './registrar.ts';
import type { Registrar, RegistrarOptions } from './registrar.ts';

let f: FleetFixture;
const running: { stop(): Promise<void> }[] = [];
const start = async (options: Omit<RegistrarOptions, 'log'> = {}): Promise<Registrar> => {
  const r = await startRegistrar({ log: f.log, ...options });
  running.push(r);
  return r;
};
const issue = (over: Partial<IssueKeyOptions> = {}) =>
  issueKey(f.log, { project: P.health, pool: POOL, maxUses: 3, ...over });

const json = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
/** Sends an enrollment request as a worker would, and decodes the reply. */
const request = async (body: unknown): Promise<EnrollReply> => {
  const m = await f.nc.request(f.log.subjects.enroll(), json(body), { timeout: 10_000 });
  return EnrollReply.parse(m.json());
};
const reasonOf = (r: EnrollReply): EnrollRefusal | 'enrolled' | 'sealed' =>
  'worker' in r ? 'enrolled' : 'sealed' in r ? 'sealed' : r.refused.reason;
const tally = (replies: EnrollReply[]) => {
  const out: Record<string, number> = {};
  for (const r of replies) out[reasonOf(r)] = (out[reasonOf(r)] ?? 0) + 1;
  return out;
};

/** Every stored event, folded from the start of the test's stream. */
const storedEvents = async (): Promise<FleetEvent[]> => {
  const events: FleetEvent[] = [];
  const tail = await f.log.tail(f.log.subjects.all(), 1, ({ entry }) => {
    if (isReadable(entry)) events.push(...entry.events);
  });
  await tail.caughtUp;
  await tail.stop();
  return events;
};
const count = (events: FleetEvent[], type: FleetEvent['type']) =>
  events.filter((e) => e.type === type).length;

beforeEach(async () => {
  f = await fleetFixture();
});
afterEach(async () => {
  for (const r of running.splice(0)) await r.stop();
  await f.close();
});

describe('the registrar on JetStream', () => {
  it('admits exactly maxUses of 10 concurrent enrollments', async () => {
    await start();
    const key = await issue({ maxUses: 3 });
    const replies = await Promise.all(
      Array.from({ length: 10 }, () => request({ key: key.token, models: ['llama'] })),
    );
    expect(tally(replies)).toEqual({ enrolled: 3, exhausted: 7 });
    const events = await storedEvents();
    expect(count(events, 'key.used')).toBe(3);
    expect(count(events, 'worker.enrolled')).toBe(3);
    const admitted = replies.flatMap((r) => ('worker' in r ? [r.worker.workerId] : []));
    expect(new Set(admitted).size).toBe(3);
    expect(
      events.flatMap((e) => (e.type === 'worker.enrolled' ? [e.data.workerId] : [])).sort(),
    ).toEqual([...admitted].sort());
    expect(events.flatMap((e) => (e.type === 'key.used' ? [e.data.use] : []))).toEqual([1, 2, 3]);
  });

  it('admits every one of fewer concurrent enrollments than maxUses', async () => {
    await start();
    const key = await issue({ maxUses: 5 });
    const replies = await Promise.all([request({ key: key.token }), request({ key: key.token })]);
    expect(tally(replies)).toEqual({ enrolled: 2 });
  });

  it('holds maxUses with two registrars racing on one log', async () => {
    const a = await start();
    const b = await start();
    const key = await issue({ maxUses: 4 });
    const replies = await Promise.all(
      Array.from({ length: 10 }, () => request({ key: key.token })),
    );
    expect(tally(replies)).toEqual({ enrolled: 4, exhausted: 6 });
    // And head to head, without the queue group choosing: alternate the registrars directly.
    const other = await issue({ maxUses: 4 });
    const direct = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).enroll({ key: other.token })),
    );
    expect(tally(direct)).toEqual({ enrolled: 4, exhausted: 6 });
    expect(a.stats().enrolled + b.stats().enrolled).toBe(8);
    const events = await storedEvents();
    expect(count(events, 'key.used')).toBe(8);
    expect(count(events, 'worker.enrolled')).toBe(8);
    for (const r of [a, b]) {
      await r.host.catchUp(f.log.subjects.key(P.health as never, other.keyId));
      expect(r.host.state.keys[other.keyId]?.uses).toBe(4);
      expect(r.host.state.rejections.byReason).toEqual({});
    }
  });

  it('admits a key issued a moment before, even before folding it', async () => {
    await start();
    const key = await issue();
    expect(reasonOf(await request({ key: key.token }))).toBe('enrolled');
  });

  it('refuses an expired key', async () => {
    let clock = 1_000;
    await start({ now: () => clock });
    const key = await issue({ now: 1_000, ttlMs: 5_000 });
    expect(reasonOf(await request({ key: key.token }))).toBe('enrolled');
    clock = 6_000;
    expect(await request({ key: key.token })).toMatchObject({ refused: { reason: 'expired' } });
  });

  it('refuses a revoked key', async () => {
    const r = await start();
    const key = await issue();
    expect(reasonOf(await request({ key: key.token }))).toBe('enrolled');
    await revokeKey(f.log, P.health, key.keyId, 'leaked');
    // The revocation conflicts with any stale use, so no catch-up is needed to be refused.
    expect(reasonOf(await request({ key: key.token }))).toBe('revoked');
    expect(r.host.state.keys[key.keyId]?.uses).toBe(1);
  });

  it('refuses a wrong secret, then rate-limits the key after 10 failures', async () => {
    const r = await start();
    const key = await issue();
    const wrong = `fk_${key.keyId}_${'A'.repeat(43)}`;
    for (let i = 0; i < 10; i += 1)
      expect(reasonOf(await request({ key: wrong }))).toBe('bad_secret');
    expect(reasonOf(await request({ key: wrong }))).toBe('rate_limited');
    expect(reasonOf(await request({ key: key.token }))).toBe('rate_limited');
    // Other keys are not affected.
    const other = await issue();
    expect(reasonOf(await request({ key: other.token }))).toBe('enrolled');
    expect(r.stats().refused).toEqual({ bad_secret: 10, rate_limited: 2 });
  });

  it('rate-limits a burst of guesses at decision time, not after it', async () => {
    await start({ rateLimit: { maxFailures: 5 } });
    const key = await issue();
    const wrong = `fk_${key.keyId}_${'B'.repeat(43)}`;
    const replies = await Promise.all(Array.from({ length: 20 }, () => request({ key: wrong })));
    expect(tally(replies)).toEqual({ bad_secret: 5, rate_limited: 15 });
  });

  it('refuses models outside the key’s', async () => {
    await start();
    const key = await issue({ models: ['llama'] });
    expect(await request({ key: key.token, models: ['llama', 'gpt-4'] })).toMatchObject({
      refused: { reason: 'model_not_allowed' },
    });
    expect(reasonOf(await request({ key: key.token, models: ['llama'] }))).toBe('enrolled');
  });

  it('takes project, pool and fixed labels from the key, whatever the request says', async () => {
    await start();
    const key = await issue({ labels: { gpu: 'h100' }, exclusive: ['gpu'] });
    const reply = await request({
      key: key.token,
      models: ['llama'],
      labels: { gpu: 'a100', zone: 'eu' },
      capacity: 2,
    });
    expect(reply).toMatchObject({
      worker: {
        project: P.health,
        pool: POOL,
        labels: { gpu: 'h100', zone: 'eu' },
        exclusive: ['gpu'],
        capacity: 2,
        runtime: { kind: 'process' },
      },
    });
    const enrolled = (await storedEvents()).find((e) => e.type === 'worker.enrolled');
    expect(enrolled?.data).toMatchObject({ project: P.health, labels: { gpu: 'h100' } });
    // A request naming its own project or pool is not a valid request at all.
    expect(await request({ key: key.token, project: P.fin })).toMatchObject({
      refused: { reason: 'invalid_request' },
    });
  });

  it('refuses malformed requests without spending a use', async () => {
    const r = await start();
    const key = await issue({ maxUses: 1 });
    const raw = await f.nc.request(f.log.subjects.enroll(), new TextEncoder().encode('{nope'), {
      timeout: 5_000,
    });
    expect(EnrollReply.parse(raw.json())).toMatchObject({ refused: { reason: 'invalid_request' } });
    for (const body of [{}, { key: 'not-a-token' }, { key: key.token, capacity: 0 }, [1]]) {
      const reply = await request(body);
      expect(reasonOf(reply)).toBe('invalid_request');
      expect(JSON.stringify(reply)).not.toContain(key.secret);
    }
    expect(reasonOf(await request({ key: key.token }))).toBe('enrolled');
    expect(r.stats()).toMatchObject({ enrolled: 1, refused: { invalid_request: 5 } });
  });

  it('stores the secret’s hash but never the secret', async () => {
    await start();
    const key = await issue({ maxUses: 2 });
    await request({ key: key.token });
    await request({ key: `fk_${key.keyId}_${'C'.repeat(43)}` });
    await request({ key: key.token });
    await request({ key: key.token });
    const last = await f.log.lastSeq();
    let text = '';
    for (let seq = 1; seq <= last; seq += 1) {
      const m = await f.log.jsm.streams.getMessage(f.log.stream, { seq });
      text += `${m?.subject ?? ''}\n${JSON.stringify([...(m?.header ?? [])])}\n`;
      text += `${new TextDecoder().decode(m?.data)}\n`;
    }
    expect(last).toBe(5); // issued, then two uses and two memberships
    expect(text).toContain(hashSecret(key.secret));
    expect(text).not.toContain(key.secret);
    expect(text).not.toContain(key.secret.slice(0, 16));
  });

  it('enrolls workers a pool’s dispatcher sees as active', async () => {
    const d: Dispatcher = await startDispatcher({ log: f.log, pool: POOL as PoolId });
    running.push(d);
    await start();
    const key = await issue({ models: ['llama'] });
    const reply = await request({ key: key.token, models: ['llama'] });
    if (!('worker' in reply)) throw new Error(`refused: ${reasonOf(reply)}`);
    const { workerId } = reply.worker;
    await expect.poll(() => d.host.state.workers[workerId]?.status).toBe('active');
    expect(await f.heartbeat(workerId)).toMatchObject({ status: 'active', abort: [] });
  });
});
