import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../../events/index.ts';
import type { DispatchCommand, PoolId, ProjectId, WorkerId } from '../../events/index.ts';
import { readStream } from '../../examples/read-stream.ts';
import { Auditor } from '../../projections/audit/index.ts';
import { connectTest } from '../../test/harness/index.ts';
import { EventLog } from '../../log/index.ts';
import { fleetFixture } from '../../test/support/fleet-fixture.ts';
import type { FleetFixture } from '../../test/support/fleet-fixture.ts';
import { P, POOL } from '../../test/support/builders.ts';
import { startDispatcher } from './dispatcher.ts';
import type { Dispatcher } from './dispatcher.ts';

let f: FleetFixture;
const running: Dispatcher[] = [];
const closing: (() => Promise<void>)[] = [];
beforeEach(async () => {
  f = await fleetFixture();
});
afterEach(async () => {
  for (const d of running.splice(0)) await d.stop();
  for (const c of closing.splice(0)) await c();
  await f.close();
});

const project = P.health as ProjectId;
const pool = POOL as PoolId;
const serveClaims = (workerId: string): DispatchCommand => ({
  type: 'serve_claims',
  data: { claims: [{ workerId: workerId as WorkerId, project, pool, max: 2 }], budget: 1000 },
  meta: { now: Date.now() },
});

describe('a deposed active dispatcher that keeps trying to append', () => {
  it('is fenced by the stream: no attempt is ever assigned twice, and the audit is clean', async () => {
    for (const w of ['w1', 'w2']) await f.enroll(w, { capacity: 100 });
    await f.submit(...Array.from({ length: 40 }, (_, i) => ({ taskId: `t${i}` })));
    const deposed = await startDispatcher({ log: f.log, pool });
    running.push(deposed);
    // What the deposed one last folded of the decision subject, before the new one decides.
    const dispatchSubject = f.log.subjects.dispatch(project, pool);
    const staleSeq = await f.log.lastSubjectSeq(dispatchSubject);

    // The new active dispatcher, on its own connection, takes over from a standby.
    const nc = await connectTest();
    closing.push(() => nc.close());
    const fresh = await startDispatcher({
      log: await EventLog.open(nc, { stream: f.log.stream, root: f.log.subjects.root }),
      pool,
      standby: true,
    });
    running.push(fresh);
    expect(fresh.serving()).toBe(false);
    fresh.serve();
    expect(fresh.serving()).toBe(true);

    // Both decide at once, round after round, for different workers on the same queue.
    const rounds = Array.from({ length: 15 }, () => [
      deposed.host.execute(serveClaims('w1')),
      fresh.host.execute(serveClaims('w2')),
    ]).flat();
    // A round that loses its append round after round gives up with a ConflictError (the fence
    // at work, likelier on a busy machine); any other failure fails the test.
    for (const r of await Promise.allSettled(rounds))
      if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConflictError);
    // The new one alone takes whatever a given-up round left queued.
    await fresh.host.execute(serveClaims('w2'));

    // A decision on a state that missed the other's appends is refused by the stream itself.
    const forged = {
      type: 'task.assigned' as const,
      data: { taskId: 't0', project, pool, workerId: 'w1', attempt: 1, leaseExpiresAt: 1 },
      meta: { at: Date.now() },
    };
    for (let i = 0; i < 5; i += 1)
      await expect(
        f.log.append(dispatchSubject, forged, { expectedLastSubjectSeq: staleSeq }),
      ).rejects.toBeInstanceOf(ConflictError);

    // Every task was assigned exactly once, across both, and both folds agree.
    const assigned = new Map<string, number>();
    for (const { entry } of await readStream(f.log))
      if ('events' in entry)
        for (const e of entry.events)
          if (e.type === 'task.assigned') {
            const k = `${e.data.taskId}#${e.data.attempt}`;
            assigned.set(k, (assigned.get(k) ?? 0) + 1);
          }
    expect(assigned.size).toBe(40);
    expect([...assigned.values()].every((n) => n === 1)).toBe(true);
    await deposed.host.waitFor(fresh.host.position);
    await fresh.host.waitFor(deposed.host.position);
    expect(deposed.host.state.tasks).toEqual(fresh.host.state.tasks);
    // They did race: at least one of them lost an append and decided again on fresh state.
    expect(deposed.host.stats.conflicts + fresh.host.stats.conflicts).toBeGreaterThan(0);

    const auditor = new Auditor();
    for (const { subject, entry } of await readStream(f.log))
      auditor.add({ subject, seq: entry.seq, at: entry.at, entry });
    // The fixture enrolls its workers without issuing keys: the audit's one complaint.
    const violations = auditor.report().violations.filter((v) => v.kind !== 'enrollment_invalid');
    expect(violations).toEqual([]);
  });
});
