import { createInbox } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HeartbeatReply } from '../../events/index.ts';
import type { PoolId, ProjectId, WorkerId } from '../../events/index.ts';
import { taskKey } from '../../domain/pool/index.ts';
import { EventLog } from '../../log/index.ts';
import { issueKey, startRegistrar } from '../registrar/index.ts';
import { createWorker } from '../worker/create-worker.ts';
import type { Worker } from '../worker/worker.ts';
import type { WorkerLifecycleEvent } from '../worker/worker-lifecycle-event.ts';
import { connectTest } from '../../test/harness/index.ts';
import { fleetFixture } from '../../test/support/fleet-fixture.ts';
import type { FleetFixture } from '../../test/support/fleet-fixture.ts';
import { P, POOL } from '../../test/support/builders.ts';
import { startDispatcher } from './dispatcher.ts';
import type { Dispatcher } from './dispatcher.ts';

// A worker whose claim sits with a dispatcher that died (kill -9) learns from the heartbeat
// replies of the one taking over that another serves, and claims again there at once; the
// dispatcher holds one claim per worker, the latest. Long claim waits: work that arrives before
// the test's time-out can only come through a claim sent again.

const project = P.health as ProjectId;
const pool = POOL as PoolId;
/** The longest a claim may wait (ClaimRequest): twice the test's own time-out. */
const LONG_WAIT_MS = 60_000;

let f: FleetFixture;
const running: Dispatcher[] = [];
const closing: NatsConnection[] = [];
const workers: Worker[] = [];
beforeEach(async () => {
  f = await fleetFixture();
});
afterEach(async () => {
  for (const w of workers.splice(0)) await w.kill();
  for (const d of running.splice(0)) await d.stop().catch(() => undefined);
  for (const nc of closing.splice(0)) await nc.close().catch(() => undefined);
  await f.close();
});

/** A dispatcher of the pool on a connection of its own; closing that connection kills it. */
const dispatcher = async (standby: boolean) => {
  const nc = await connectTest();
  closing.push(nc);
  const log = await EventLog.open(nc, { stream: f.log.stream, root: f.log.subjects.root });
  const d = await startDispatcher({
    log,
    pool,
    standby,
    config: { heartbeatMs: 100, missedBeats: 50 },
  });
  running.push(d);
  return { d, nc };
};

/** Sends a heartbeat of `workerId` now; its answer may come long after. */
const beat = (workerId: string) =>
  f.nc
    .request(f.log.subjects.heartbeat(project, pool, workerId as WorkerId), '{"attempts":[]}', {
      timeout: 20_000,
    })
    .then((m) => HeartbeatReply.parse(m.json()));

describe('a dispatcher holding claims', () => {
  it('holds one per worker: a newer one supersedes the one held, an older one gets nothing', async () => {
    await f.enroll('w1');
    await dispatcher(false);
    const first = f.claim('w1', { waitMs: LONG_WAIT_MS, id: 1 });
    await f.nc.flush();
    const second = f.claim('w1', { waitMs: LONG_WAIT_MS, id: 2 });
    // The first is answered at once, with nothing: its worker gave it up.
    expect(await first).toEqual({ assignments: [] });
    // One sent before the one held, arriving late, supersedes nothing.
    expect(await f.claim('w1', { waitMs: LONG_WAIT_MS, id: 1 })).toEqual({ assignments: [] });
    await f.submit({ taskId: 't1' });
    expect(await second).toMatchObject({ assignments: [{ taskId: 't1' }] });
  });

  it('names its term of service in heartbeat replies, a new one each time it starts serving', async () => {
    await f.enroll('w1');
    const { d, nc } = await dispatcher(true);
    // Heard while it stands by, answered when it takes over: its worker may still wait for it.
    const unanswered = beat('w1');
    await f.nc.flush();
    await nc.flush();
    d.serve();
    const first = await unanswered;
    expect(first).toMatchObject({ status: 'active', abort: [] });
    expect(first.server).toEqual(expect.any(String));
    expect((await beat('w1')).server).toBe(first.server);
    await d.standBy();
    d.serve();
    const again = (await beat('w1')).server;
    expect(again).toEqual(expect.any(String));
    expect(again).not.toBe(first.server);
  });

  it('answers no heartbeat on an inbox not its worker’s when taking over', async () => {
    await f.enroll('w1');
    const { d, nc } = await dispatcher(true);
    const refused: string[] = [];
    const sub = f.nc.subscribe('fleet.stored.subject', {
      callback: (_e, m) => {
        refused.push(m.subject);
      },
    });
    const inbox = createInbox();
    const answered: string[] = [];
    const own = f.nc.subscribe(inbox, {
      callback: (_e, m) => {
        answered.push(m.string());
      },
    });
    const subject = f.log.subjects.heartbeat(project, pool, 'w1' as WorkerId);
    f.nc.publish(subject, '{"attempts":[]}', { reply: 'fleet.stored.subject' });
    f.nc.publish(subject, '{"attempts":[]}', { reply: inbox });
    await f.nc.flush();
    await nc.flush();
    d.serve();
    await expect.poll(() => answered.length).toBe(1);
    await f.nc.flush();
    expect(refused).toEqual([]);
    sub.unsubscribe();
    own.unsubscribe();
  });
});

describe('a worker whose claim the dead active dispatcher held, unheard by the standby', () => {
  it('claims again from the one taking over, and runs the next task long before its wait', async () => {
    const registrar = await startRegistrar({ log: f.log });
    const doomed = await dispatcher(false);
    const key = (await issueKey(f.log, { project, pool, models: ['llama'], maxUses: 1 })).token;
    const events: WorkerLifecycleEvent[] = [];
    const w = await createWorker({
      nats: f.nc,
      key,
      root: f.log.subjects.root,
      models: ['llama'],
      heartbeatMs: 100,
      claimWaitMs: LONG_WAIT_MS,
      handler: () => Promise.resolve({ output: 'done' }),
      onEvent: (e) => events.push(e),
    });
    workers.push(w);
    // Its claim waits at the active dispatcher; the standby starts after it and never hears it.
    await expect.poll(() => doomed.d.waiting()).toBe(1);
    const next = await dispatcher(true);
    await doomed.nc.close();
    next.d.serve();
    await f.submit({ taskId: 't1' });
    await expect
      .poll(() => next.d.host.state.tasks.get(taskKey(project, 't1'))?.status, {
        timeout: 20_000,
      })
      .toBe('completed');
    // Given up for a new one, the old claim failed nowhere: no claim error was told.
    expect(events.filter((e) => e.type === 'claim_error')).toEqual([]);
    await registrar.stop();
  });
});
