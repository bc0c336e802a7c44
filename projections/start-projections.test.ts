import { Kvm } from '@nats-io/kv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventLog } from '../log/index.ts';
import type { FleetEventInput, ProjectId } from '../events/index.ts';
import { uniqueName } from '../test/harness/index.ts';
import { ev, P, POOL } from '../test/support/builders.ts';
import { fleetFixture } from '../test/support/fleet-fixture.ts';
import type { FleetFixture } from '../test/support/fleet-fixture.ts';
import { trimHead } from '../test/support/stream-damage.ts';
import { ProjectionCheckpoints } from './checkpoints.ts';
import type { Scope } from './scope.ts';
import { startProjections } from './start-projections.ts';
import type { Projections } from './start-projections.ts';

let f: FleetFixture;
let store: ProjectionCheckpoints;
let bucket: string;
const running: Projections[] = [];
const NOW = 1_700_000_000_000;
const operator: Scope = { kind: 'operator' };

beforeEach(async () => {
  f = await fleetFixture();
  bucket = uniqueName('cp');
  store = await ProjectionCheckpoints.open(f.nc, bucket);
});
afterEach(async () => {
  for (const p of running.splice(0)) await p.stop();
  await (await new Kvm(f.nc).open(bucket)).destroy().catch(() => undefined);
  await f.close();
});

const start = async (log: EventLog = f.log, checkpoints: ProjectionCheckpoints | false = store) => {
  const p = await startProjections({ log, checkpoints, now: () => NOW });
  running.push(p);
  return p;
};
const stop = async (p: Projections) => {
  running.splice(running.indexOf(p), 1);
  await p.stop();
};

/** Appends what a pool's dispatcher and a worker would: an assignment, then its outcome. */
const run = async (taskId: string, workerId: string, project: string = P.health) => {
  const s = f.log.subjects;
  const ref = { taskId, project, pool: POOL, workerId, attempt: 1 };
  await f.log.append(s.dispatch(project as ProjectId, POOL as never), {
    type: 'task.assigned',
    data: { ...ref, leaseExpiresAt: Date.now() + 60_000 },
    meta: { at: Date.now() },
  });
  const done: FleetEventInput = ev('task.completed', {
    ...ref,
    usage: { tokensIn: 100, tokensOut: 50, costUsd: 0.25, durationMs: 40 },
  });
  await f.report(workerId, done, project);
};

describe('startProjections', () => {
  it('folds the stream live, resumes from its checkpoint, and gets what a fresh fold gets', async () => {
    await f.enroll('w1');
    await f.enroll('wf', { project: P.fin });
    await f.submit({ taskId: 't1' }, { taskId: 't2' });
    await f.submit({ taskId: 'f1', project: P.fin });
    const p1 = await start();
    expect(p1.position()).toBe(4);
    expect(p1.snapshot(operator).fleet.totals.tasks.queued).toBe(3);

    let changes = 0;
    p1.onChange(() => (changes += 1));
    await run('t1', 'w1');
    await run('f1', 'wf', P.fin);
    await expect.poll(() => p1.snapshot(operator).costs.total.completed).toBe(2);
    await expect.poll(() => changes).toBeGreaterThan(0);
    expect(p1.position()).toBe(8);
    const fin = JSON.stringify(p1.snapshot({ kind: 'project', project: P.fin as ProjectId }));
    expect(fin).toContain('"wf"');
    expect(fin).not.toMatch(/health|"w1"|"t1"|"t2"/);
    await stop(p1); // saves a checkpoint at 8

    await run('t2', 'w1');
    await f.submit({ taskId: 't3' });
    const fresh = await start(f.log, false);
    const expected = fresh.snapshot(operator);
    expect(expected).toMatchObject({ position: 11, at: NOW });
    await stop(fresh);

    // Take the checkpointed messages out of the stream, as a limit the operator sets would:
    // only a resumed fold still knows them.
    expect(await trimHead(f.log.jsm, f.log.stream, 3)).toBe(9);
    const resumed = await start();
    expect(resumed.position()).toBe(11);
    expect(resumed.snapshot(operator)).toEqual(expected);
    // A fresh fold of what is left knows neither the workers nor the tasks: it bills nothing.
    const refolded = await start(f.log, false);
    expect(refolded.snapshot(operator).costs.total.completed).toBe(0);
    expect(refolded.snapshot(operator).rejections.events.total).toBeGreaterThan(0);
  });

  it('folds from the start when a checkpoint is missing, or the stream is another one', async () => {
    await f.enroll('w1');
    await f.submit({ taskId: 't1' });
    await run('t1', 'w1');
    await stop(await start());
    await store.remove('latency');
    // The operator's limit leaves only the completion: folded again from there, the worker and
    // the task are unknown, so nothing completed and the report is refused (resumed, it was 1).
    expect(await trimHead(f.log.jsm, f.log.stream, 1)).toBe(4);
    const p = await start();
    expect(p.snapshot(operator).fleet.totals.tasks).toMatchObject({ queued: 0, completed: 0 });
    expect(p.snapshot(operator).rejections.events.byReason).toEqual({ unknown_worker: 1 });
    await stop(p);

    // A stream deleted and created again under the same name is a new log.
    await stop(await start());
    await f.log.jsm.streams.delete(f.log.stream);
    const log = await EventLog.open(f.nc, { stream: f.log.stream, root: f.log.subjects.root });
    await f.enroll('w9');
    const again = await start(log);
    expect(again.snapshot(operator).fleet.workers.map((w) => w.workerId)).toEqual(['w9']);
    expect(again.position()).toBe(1);
  });

  it('tells listeners of changes at most every 100 ms, and stops telling them', async () => {
    await f.enroll('w1', { capacity: 10 });
    const p = await start(f.log, false);
    const calls: number[] = [];
    const off = p.onChange(() => calls.push(performance.now()));
    const burst = Array.from({ length: 40 }, (_, i) => f.submit({ taskId: `t${i}` }));
    await Promise.all(burst);
    await expect.poll(() => p.position()).toBe(41);
    await expect.poll(() => calls.length).toBeGreaterThan(0);
    for (let i = 1; i < calls.length; i += 1)
      expect((calls[i] ?? 0) - (calls[i - 1] ?? 0)).toBeGreaterThanOrEqual(95);
    const seen = calls.length;
    off();
    await f.submit({ taskId: 'late' });
    await expect.poll(() => p.position()).toBe(42);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(calls.length).toBe(seen);
    expect(p.snapshot(operator).fleet.totals.queued).toBe(41);
  });
});
