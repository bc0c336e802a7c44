import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PoolId } from '../../events/index.ts';
import { dispatcherLogic } from '../dispatcher/dispatcher-logic.ts';
import { evolveEntries, initialState } from '../../domain/pool/index.ts';
import { fleetFixture } from '../../test/support/fleet-fixture.ts';
import type { FleetFixture } from '../../test/support/fleet-fixture.ts';
import { POOL } from '../../test/support/builders.ts';
import { ActorHost, restartDelay } from './actor-host.ts';
import { Snapshots } from './snapshots.ts';
import type { Snapshot } from './snapshots.ts';
import { uniqueName } from '../../test/harness/index.ts';
import type { LogEntry } from '../../events/index.ts';

let f: FleetFixture;
beforeEach(async () => {
  f = await fleetFixture();
});
afterEach(async () => {
  await f.close();
});

describe('the actor host', () => {
  it('restarts a crashed fold from the log and reaches the same state', async () => {
    const logic = dispatcherLogic(f.log.subjects, { pool: POOL as PoolId });
    const seen: LogEntry[] = [];
    let crashes = 0;
    const errors: unknown[] = [];
    const host = await ActorHost.start(
      f.log,
      {
        ...logic,
        evolve: (state, entry) => {
          // A bug that strikes once, on the third message.
          if (entry.seq === 3 && crashes === 0) {
            crashes += 1;
            throw new Error('fold bug');
          }
          if (!seen.some((e) => e.seq === entry.seq)) seen.push(entry);
          logic.evolve(state, entry);
        },
      },
      { onError: (e) => errors.push(e) },
    );
    await f.enroll('w1');
    await f.submit({ taskId: 't1' });
    await f.submit({ taskId: 't2' });
    await f.submit({ taskId: 't3' });
    await expect.poll(() => host.position).toBe(4);
    expect(host.stats.restarts).toBe(1);
    expect(errors).toHaveLength(1);
    expect(host.state).toEqual(evolveEntries(initialState({ pool: POOL as PoolId }), seen));
    expect([...host.state.tasks.keys()]).toHaveLength(3);
    await host.stop();
  });

  it('retries a fold that keeps failing with growing pauses, then recovers once it passes', async () => {
    const logic = dispatcherLogic(f.log.subjects, { pool: POOL as PoolId });
    let poisoned = true;
    const delays: number[] = [];
    const host = await ActorHost.start(
      f.log,
      {
        ...logic,
        evolve: (state, entry) => {
          if (entry.seq === 2 && poisoned) throw new Error('fold bug on seq 2');
          logic.evolve(state, entry);
        },
      },
      {
        restartDelayMs: (n) => {
          delays.push(n);
          // The bug is fixed (a new release, say) after the fourth restart in a row.
          if (n >= 4) poisoned = false;
          return 0;
        },
      },
    );
    await f.enroll('w1');
    await f.submit({ taskId: 't1' });
    await f.submit({ taskId: 't2' });
    // Each restart fails on the same message: the count of consecutive restarts grows, so the
    // pause grows, instead of resetting to an immediate retry.
    await expect.poll(() => host.position).toBe(3);
    expect(delays).toEqual([1, 2, 3, 4]);
    expect(host.stats.restarts).toBe(4);
    expect([...host.state.tasks.keys()]).toHaveLength(2);
    // Commands work again, on the recovered state.
    const out = await host.execute({
      type: 'check_liveness',
      data: { lastSeen: {}, graceFrom: 0 },
      meta: { now: 1 },
    });
    expect(out.events).toEqual([]);
    await host.stop();
  });

  it('keeps restarting while the log or snapshot store cannot be read, instead of dying', async () => {
    const logic = dispatcherLogic(f.log.subjects, { pool: POOL as PoolId });
    let unreachable = 0;
    let crashOnce = true;
    // The snapshot store of our own host, failing as a KV bucket does when NATS is down.
    const snapshots = {
      load: () => {
        if (unreachable > 0) {
          unreachable -= 1;
          return Promise.reject(new Error('snapshot store unreachable'));
        }
        return Promise.resolve(undefined);
      },
      save: () => Promise.resolve(false),
    } as unknown as Snapshots;
    const errors: string[] = [];
    const host = await ActorHost.start(
      f.log,
      {
        ...logic,
        evolve: (state, entry) => {
          if (entry.seq === 2 && crashOnce) {
            crashOnce = false;
            unreachable = 3;
            throw new Error('fold bug');
          }
          logic.evolve(state, entry);
        },
      },
      {
        snapshots,
        restartDelayMs: () => 0,
        onError: (e) => errors.push(e instanceof Error ? e.message : String(e)),
      },
    );
    await f.enroll('w1');
    await f.submit({ taskId: 't1' });
    await expect.poll(() => host.position).toBe(2);
    expect(errors).toEqual([
      'fold bug',
      'snapshot store unreachable',
      'snapshot store unreachable',
      'snapshot store unreachable',
    ]);
    expect([...host.state.tasks.keys()]).toHaveLength(1);
    await host.stop();
  });

  it('pauses longer before each restart in a row, up to 30 s', () => {
    expect([1, 2, 3, 4, 5, 10, 11, 50].map((n) => restartDelay(n))).toEqual([
      0, 100, 200, 400, 800, 25_600, 30_000, 30_000,
    ]);
  });

  it('lets a command under way finish folding its own append before it stops', async () => {
    await f.enroll('w1');
    const host = await ActorHost.start(
      f.log,
      dispatcherLogic(f.log.subjects, { pool: POOL as PoolId }),
    );
    // A silent worker: the decision appends worker.lost, then waits to fold it.
    const executed = host.execute({
      type: 'check_liveness',
      data: { lastSeen: { w1: 0 }, graceFrom: 0 },
      meta: { now: 10 ** 12 },
    });
    await host.stop(); // hung for good when the tail was let go before the command finished
    const { events } = await executed;
    expect(events.map((e) => e.type)).toEqual(['worker.lost']);
    expect(host.state.workers['w1']?.status).toBe('lost');
  });

  it('refuses commands once stopped', async () => {
    const host = await ActorHost.start(
      f.log,
      dispatcherLogic(f.log.subjects, { pool: POOL as PoolId }),
    );
    await host.stop();
    await expect(
      host.execute({
        type: 'check_liveness',
        data: { lastSeen: {}, graceFrom: 0 },
        meta: { now: 1 },
      }),
    ).rejects.toMatchObject({ name: 'UnavailableError' });
  });

  it('does nothing when the decision is empty, and appends nothing', async () => {
    const host = await ActorHost.start(
      f.log,
      dispatcherLogic(f.log.subjects, { pool: POOL as PoolId }),
    );
    const out = await host.execute({
      type: 'check_liveness',
      data: { lastSeen: {}, graceFrom: 0 },
      meta: { now: 1 },
    });
    expect(out).toEqual({ events: [], appended: [] });
    expect(await f.log.lastSeq()).toBe(0);
    await host.stop();
  });
});

describe('snapshots of the actor host', () => {
  it('are never skipped by a stop: it waits for the periodic save under way, then saves', async () => {
    const logic = dispatcherLogic(f.log.subjects, { pool: POOL as PoolId });
    const store = await Snapshots.open(f.nc, uniqueName('snap'), { chunkBytes: 2048 });
    const saved: number[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started: () => void = () => undefined;
    const periodicStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    const slow = {
      load: store.load.bind(store),
      save: async (key: string, snapshot: Snapshot<unknown>) => {
        // The periodic save is held until the stop's save is asked for.
        if (saved.length === 0) {
          started();
          await gate;
        }
        saved.push(snapshot.position);
        return store.save(key, snapshot);
      },
    } as unknown as Snapshots;
    const host = await ActorHost.start(f.log, logic, { snapshots: slow, snapshotEvery: 2 });
    await f.enroll('w1');
    await f.submit({ taskId: 't1' });
    await periodicStarted;
    await f.submit({ taskId: 't2' });
    await host.waitFor(3);
    const stopSave = host.snapshot();
    release();
    expect(await stopSave).toBe(true);
    expect(saved).toEqual([2, 3]);
    await host.stop();
    const again = await ActorHost.start(f.log, logic, { snapshots: store });
    expect(again.stats.restoredFrom).toBe(3);
    expect([...again.state.tasks.keys()]).toEqual([...host.state.tasks.keys()]);
    await again.stop();
  });

  it('that cannot be written are told loudly, with their size', async () => {
    const logic = dispatcherLogic(f.log.subjects, { pool: POOL as PoolId });
    const store = await Snapshots.open(f.nc, uniqueName('snap'), { maxBytes: 100 });
    const errors: unknown[] = [];
    const host = await ActorHost.start(f.log, logic, {
      snapshots: store,
      onError: (e) => errors.push(e),
    });
    await f.submit({ taskId: 't1' });
    await host.waitFor(1);
    expect(await host.snapshot()).toBe(false);
    expect(errors.map(String)).toEqual([
      expect.stringMatching(/snapshot of dispatcher\.gpu at 1 was NOT saved: .* is [\d.]+ KiB/),
    ]);
    await host.stop();
  });

  it('of an older version are ignored with a line saying so, never mis-read', async () => {
    const logic = dispatcherLogic(f.log.subjects, { pool: POOL as PoolId });
    const store = await Snapshots.open(f.nc, uniqueName('snap'));
    await f.submit({ taskId: 't1' });
    const last = await f.log.lastSeq();
    // A snapshot of the previous format at the current position: its state says nothing queued.
    const old = { version: logic.snapshotVersion - 1, position: last, subjectSeqs: {} };
    await store.save(logic.name, { ...old, state: logic.initialState() });
    const errors: unknown[] = [];
    const host = await ActorHost.start(f.log, logic, {
      snapshots: store,
      onError: (e) => errors.push(e),
    });
    expect(host.stats.restoredFrom).toBeUndefined();
    expect([...host.state.tasks.keys()]).toContain('health-prod/t1');
    expect(errors.map(String)).toEqual([
      expect.stringMatching(/snapshot of dispatcher\.gpu is ignored \(it is of version \d+,/),
    ]);
    await host.stop();
  });
});
