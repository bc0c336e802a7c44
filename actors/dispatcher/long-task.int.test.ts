import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decode } from '../../events/index.ts';
import type { EventOf, FleetEvent } from '../../events/index.ts';
import { blockUntilAborted, workerFleet } from '../../test/support/worker-fleet.ts';
import type { WorkerFleet } from '../../test/support/worker-fleet.ts';

// Long tasks on a real server: a worker's heartbeats extend the lease of the attempt it runs,
// and a lost worker is still found by its missed heartbeats.

let fleet: WorkerFleet;
beforeEach(async () => {
  fleet = await workerFleet();
});
afterEach(async () => {
  await fleet.close();
});

/** Every event of a task as stored, with its message's sequence. */
const history = async (taskId: string) => {
  const { f } = fleet;
  const info = await f.log.jsm.streams.info(f.log.stream);
  const out: { seq: number; event: FleetEvent }[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq += 1) {
    const m = await f.log.jsm.streams.getMessage(f.log.stream, { seq });
    if (m === null) continue;
    const decoded = decode(m.subject, m.data, { root: f.log.subjects.root });
    if (!decoded.ok) continue;
    for (const event of decoded.value.events)
      if (('taskId' in event.data && event.data.taskId === taskId) || event.type === 'worker.lost')
        out.push({ seq, event });
  }
  return out;
};
const extensions = (h: { event: FleetEvent }[]) =>
  h
    .map((x) => x.event)
    .filter((e): e is EventOf<'task.lease_extended'> => e.type === 'task.lease_extended');

describe('a long task', () => {
  it('runs ten times its lease while its worker lives, and completes once on attempt 1', async () => {
    const timeoutMs = 2_000;
    const runs: { attempt: number; firstLease: number; lastLease: number }[] = [];
    const w = await fleet.startWorker(async (t) => {
      const firstLease = t.leaseExpiresAt;
      // Runs until its lease, as heartbeats extend it, reaches ten leases past the first: it
      // has then run more than ten times its lease.
      while (t.leaseExpiresAt < firstLease + 10 * timeoutMs && !t.signal.aborted)
        await new Promise((r) => setTimeout(r, 50));
      runs.push({ attempt: t.attempt, firstLease, lastLease: t.leaseExpiresAt });
      if (t.signal.aborted) throw t.signal.reason as Error;
      return { output: 'done' };
    });
    await fleet.f.submit({ taskId: 'long', timeoutMs, maxAttempts: 3 });
    await expect.poll(() => fleet.task('long')?.status, { timeout: 60_000 }).toBe('completed');

    expect(runs).toHaveLength(1);
    expect(runs[0]?.attempt).toBe(1);
    expect(w.events.filter((e) => e.type === 'task_aborted')).toEqual([]);
    const h = await history('long');
    const types = h.map((x) => x.event.type);
    // Assigned once, never requeued: the same attempt ran throughout.
    expect(types.filter((t) => t !== 'task.lease_extended')).toEqual([
      'task.submitted',
      'task.assigned',
      'task.completed',
    ]);
    const ext = extensions(h);
    // One extension per half lease at most, each to timeoutMs past its stream time.
    expect(ext.length).toBeGreaterThanOrEqual(10);
    for (const e of ext) expect(e.data).toMatchObject({ workerId: w.id, attempt: 1 });
    const assigned = h.find((x) => x.event.type === 'task.assigned')?.event;
    const leases = [assigned, ...ext].map((e) =>
      e !== undefined && 'leaseExpiresAt' in e.data ? e.data.leaseExpiresAt : 0,
    );
    expect(leases).toEqual([...leases].sort((a, b) => a - b));
    expect((leases.at(-1) ?? 0) - (leases[0] ?? 0)).toBeGreaterThanOrEqual(9 * timeoutMs);
    expect(await fleet.endingReport('long')).toMatchObject({
      type: 'task.completed',
      data: { workerId: w.id, attempt: 1 },
    });
  });

  it('whose worker is killed is rerouted on its missed heartbeats, before its lease ends', async () => {
    const timeoutMs = 6_000;
    const first = await fleet.startWorker((t) => blockUntilAborted(t));
    await fleet.f.submit({ taskId: 'orphan', timeoutMs, maxAttempts: 3 });
    // Past its first lease: extended twice, it outlived the lease it was assigned with.
    await expect
      .poll(async () => extensions(await history('orphan')).length, { timeout: 60_000 })
      .toBeGreaterThanOrEqual(2);
    await first.kill();
    await expect.poll(() => fleet.task('orphan')?.status, { timeout: 30_000 }).toBe('queued');
    const second = await fleet.startWorker((t) => Promise.resolve({ output: t.attempt }));
    await expect.poll(() => fleet.task('orphan')?.status, { timeout: 30_000 }).toBe('completed');

    const h = await history('orphan');
    const lost = h.find(
      (x) => x.event.type === 'worker.lost' && x.event.data.workerId === first.id,
    );
    const requeued = h.find((x) => x.event.type === 'task.requeued');
    expect(lost).toBeDefined();
    // Rerouted by the liveness rule, in the same decision that declared the worker lost.
    expect(requeued?.event).toMatchObject({ data: { attempt: 1, reason: 'worker_lost' } });
    expect(requeued?.seq).toBe(lost?.seq);
    // Declared lost on the rule of today (missed beats), while the lease it held still ran.
    const { heartbeatMs, missedBeats } = fleet.d.host.state.config;
    const lostEvent = lost?.event as EventOf<'worker.lost'>;
    expect(lostEvent.meta.at - lostEvent.data.lastSeenAt).toBeGreaterThan(
      heartbeatMs * missedBeats,
    );
    const leaseInForce = extensions(h).at(-1)?.data.leaseExpiresAt ?? 0;
    expect(lostEvent.meta.at).toBeLessThan(leaseInForce);
    expect(await fleet.endingReport('orphan')).toMatchObject({
      type: 'task.completed',
      data: { workerId: second.id, attempt: 2 },
    });
  });
});
