import { createInbox } from '@nats-io/transport-node';
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DispatchCommand, PoolId, ProjectId, WorkerId } from '../../events/index.ts';
import { EventLog } from '../../log/index.ts';
import { connectTest } from '../../test/harness/index.ts';
import { fleetFixture } from '../../test/support/fleet-fixture.ts';
import type { FleetFixture } from '../../test/support/fleet-fixture.ts';
import { P, POOL } from '../../test/support/builders.ts';
import { startDispatcher } from './dispatcher.ts';
import { overheardClaims } from './overheard-claims.ts';
import type { Dispatcher } from './dispatcher.ts';

// A standby taking over from an active dispatcher that died (kill -9) holding workers' claims.
// The dead one is a connection in the pool's queue group that takes claims and never answers,
// as a killed process does; it "dies" when that connection closes. Long claim waits: an answer
// before the test's time-out can only come from the standby that takes over.

const project = P.health as ProjectId;
const pool = POOL as PoolId;
/** The longest a claim may wait (ClaimRequest): twice the test's own time-out. */
const LONG_WAIT_MS = 60_000;

let f: FleetFixture;
const running: Dispatcher[] = [];
const closing: NatsConnection[] = [];
beforeEach(async () => {
  f = await fleetFixture();
});
afterEach(async () => {
  for (const d of running.splice(0)) await d.stop();
  for (const nc of closing.splice(0)) await nc.close().catch(() => undefined);
  await f.close();
});

const connection = async () => {
  const nc = await connectTest();
  closing.push(nc);
  return nc;
};

/** A dispatcher of the pool on a connection of its own, standing by. */
const standby = async () => {
  const nc = await connection();
  const log = await EventLog.open(nc, { stream: f.log.stream, root: f.log.subjects.root });
  const d = await startDispatcher({ log, pool, standby: true });
  running.push(d);
  return { d, nc };
};

/** The active dispatcher about to die: it takes the pool's claims and answers none. */
const doomed = async () => {
  const nc = await connection();
  const held: Msg[] = [];
  const arrivals = new Set<() => void>();
  nc.subscribe(f.log.subjects.poolClaims(pool), {
    queue: `fleet-dispatch-${pool}`,
    callback: (_err, msg) => {
      held.push(msg);
      for (const a of [...arrivals]) a();
    },
  });
  await nc.flush();
  return {
    /** Resolves once it holds `n` claims. */
    holding: (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (held.length < n) return;
          arrivals.delete(check);
          resolve();
        };
        arrivals.add(check);
        check();
      }),
    die: () => nc.close(),
  };
};

const serveClaims = (workerId: string, max: number): DispatchCommand => ({
  type: 'serve_claims',
  data: { claims: [{ workerId: workerId as WorkerId, project, pool, max }], budget: 1000 },
  meta: { now: Date.now() },
});

describe('a standby taking over from an active dispatcher that died holding claims', () => {
  it('answers the claim the dead one held with what that one assigned and never sent', async () => {
    await f.enroll('w1', { capacity: 3 });
    await f.submit({ taskId: 't1' }, { taskId: 't2' }, { taskId: 't0' });
    const { d: next, nc: nextNc } = await standby();
    const active = await doomed();
    const claim = f.claim('w1', { max: 3, waitMs: LONG_WAIT_MS });
    await active.holding(1);
    // Whatever reached the dead one reached the standby too, before this flush returns.
    await nextNc.flush();

    // The dead one decided for the claim and died before answering: the log has the assignments.
    const { d: decider } = await standby();
    const { events } = await decider.host.execute(serveClaims('w1', 3));
    expect(events.filter((e) => e.type === 'task.assigned')).toHaveLength(3);
    // One of them its worker ran and reported already: it is not sent again.
    await f.report('w1', {
      type: 'task.completed',
      data: { taskId: 't0', project, pool, workerId: 'w1', attempt: 1, output: 0 },
      meta: { at: Date.now() },
    } as never);
    await active.die();

    next.serve();
    const reply = await claim;
    const sent = 'assignments' in reply ? reply.assignments : [];
    expect(sent.map((a) => `${a.taskId}#${String(a.attempt)}`).sort()).toEqual(['t1#1', 't2#1']);
    // What was taken over is served as usual from here: the worker asks again, gets new work.
    await f.submit({ taskId: 't3' });
    const again = await f.claim('w1', { max: 1, waitMs: LONG_WAIT_MS });
    expect('assignments' in again && again.assignments.map((a) => a.taskId)).toEqual(['t3']);
  });

  it('answers a worker holding nothing at once with nothing, so it asks the new one', async () => {
    await f.enroll('w1');
    await f.enroll('w2', { project: P.fin });
    const { d: next, nc: nextNc } = await standby();
    const active = await doomed();
    const claims = [
      f.claim('w1', { waitMs: LONG_WAIT_MS }),
      f.claim('w2', { project: P.fin, waitMs: LONG_WAIT_MS }),
    ];
    await active.holding(2);
    await nextNc.flush();
    await active.die();
    next.serve();
    expect(await Promise.all(claims)).toEqual([{ assignments: [] }, { assignments: [] }]);
    await f.submit({ taskId: 't1' });
    expect(await f.claim('w1', { waitMs: LONG_WAIT_MS })).toMatchObject({
      assignments: [{ taskId: 't1' }],
    });
  });
});

describe('a dispatcher that stops serving', () => {
  it('overhears claims when deposed, and answers them if it serves again', async () => {
    await f.enroll('w1');
    const { d, nc } = await standby();
    d.serve();
    await d.standBy();
    // Its subscriptions changed: the server has them before the claim is sent.
    await nc.flush();
    const claim = f.claim('w1', { waitMs: LONG_WAIT_MS });
    await f.nc.flush();
    await nc.flush();
    d.serve();
    expect(await claim).toEqual({ assignments: [] });
  });

  it('hears none when stopping: a claim is told at once that nobody serves', async () => {
    await f.enroll('w1');
    const { d, nc } = await standby();
    d.serve();
    await d.standBy({ overhear: false });
    await nc.flush();
    await expect(f.claim('w1', { waitMs: LONG_WAIT_MS })).rejects.toThrow(/no responders/i);
  });
});

describe('the claims a standby overhears', () => {
  it('keeps the latest live claim of each worker it knows, answerable on its own inbox', async () => {
    await f.enroll('w1');
    await f.enroll('w2');
    const nc = await connection();
    let now = 1_000;
    const overheard = overheardClaims({
      nc,
      subject: f.log.subjects.poolClaims(pool),
      root: f.log.subjects.root,
      now: () => now,
      maxWaiting: 10,
      ownerOf: (workerId, p) =>
        ['w1', 'w2'].includes(workerId) && p === project ? undefined : false,
    });
    overheard.listen();
    await nc.flush();
    const s = f.log.subjects;
    const ask = (workerId: string, body: unknown, reply = createInbox(), p = project) => {
      f.nc.publish(s.claim(p, pool, workerId as WorkerId), JSON.stringify(body), { reply });
    };
    ask('w1', { max: 1, waitMs: 5_000 });
    ask('w1', { max: 2, waitMs: 5_000 }); // its next claim: the one it waits for now
    ask('w2', { max: 1, waitMs: 100 }); // its worker stops waiting before the take-over
    ask('w9', { max: 1, waitMs: 5_000 }); // a worker the fold does not know
    ask('w1', { max: 1, waitMs: 5_000 }, undefined, P.fin as ProjectId); // another tenant's subject
    ask('w2', { max: 'all' }); // not a claim
    ask('w2', { max: 1 }, 'fleet.stored.subject'); // answered on no inbox
    await f.nc.flush();
    await nc.flush();
    expect(overheard.size()).toBe(2);
    // Past w2's wait and the 2 s its worker waits beyond it; within w1's.
    now += 3_000;
    const taken = overheard.take();
    expect(taken.map((c) => c.claim)).toEqual([{ workerId: 'w1', project, pool, max: 2 }]);
    expect(overheard.size()).toBe(0);
  });
});
