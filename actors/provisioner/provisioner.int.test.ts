import { afterEach, describe, expect, it } from 'vitest';
import { RuntimeTemplate } from '../../events/index.ts';
import type { EventOf, FleetEvent, RuntimeTemplateInput } from '../../events/index.ts';
import { taskKey, waitReasonText, whyWaiting } from '../../domain/pool/index.ts';
import type { DispatchState } from '../../domain/pool/index.ts';
import type { TaskId } from '../../events/index.ts';
import { HEARTBEAT_MS, pool, project, workerFleet } from '../../test/support/worker-fleet.ts';
import type { WorkerFleet } from '../../test/support/worker-fleet.ts';
import { TaskError } from '../worker/index.ts';
import type { TaskHandler } from '../worker/index.ts';
import { startProvisioner } from './provisioner.ts';
import type { HandlerFor, Provisioner, ProvisionerEvent } from './provisioner.ts';

const fn = RuntimeTemplate.parse({
  name: 'fn',
  runtime: { kind: 'lambda', maxDurationMs: 60_000, memoryMb: 512 },
  models: ['llama'],
  labels: { region: 'eu', runtime: 'fn' },
  cost: 1,
  maxConcurrent: 1,
} satisfies RuntimeTemplateInput);

let fleet: WorkerFleet | undefined;
let provisioner: Provisioner | undefined;
afterEach(async () => {
  await provisioner?.stop();
  await fleet?.close();
  provisioner = undefined;
  fleet = undefined;
});

/** Resolves once the dispatcher's fold satisfies `check` (tested after every fold). */
const until = (w: WorkerFleet, check: (s: DispatchState) => boolean): Promise<void> =>
  new Promise((resolve) => {
    if (check(w.d.host.state)) {
      resolve();
      return;
    }
    const off = w.d.host.onFold(() => {
      if (!check(w.d.host.state)) return;
      off();
      resolve();
    });
  });

const statusOf = (s: DispatchState, taskId: string) =>
  s.tasks.get(taskKey(project, taskId))?.status ?? s.ended[taskKey(project, taskId)];
const ended = (taskIds: string[]) => (s: DispatchState) =>
  taskIds.every((id) => {
    const t = s.tasks.get(taskKey(project, id));
    return t === undefined ? s.ended[taskKey(project, id)] !== undefined : t.status === 'completed';
  });

const start = async (
  w: WorkerFleet,
  handlerFor: HandlerFor,
  told: ProvisionerEvent[] = [],
  templates = [fn],
) => {
  provisioner = await startProvisioner({
    log: w.f.log,
    pool,
    templates,
    handlerFor,
    config: { backoffBaseMs: 300, backoffMaxMs: 300 },
    heartbeatMs: HEARTBEAT_MS,
    claimWaitMs: 1_000,
    tickMs: 100,
    onEvent: (e) => told.push(e),
  });
  return provisioner;
};

const echo: TaskHandler = (t) => Promise.resolve({ output: { echoed: t.payload } });

describe('the provisioner, on a real nats-server', () => {
  it('scales from zero: a one-shot worker with a single-use key runs the task and leaves', async () => {
    const w = (fleet = await workerFleet());
    await w.f.submit({ taskId: 't1', payload: 7 });
    await start(w, () => echo);
    await until(w, ended(['t1']));
    expect((await w.endingReport('t1'))?.data).toMatchObject({ output: { echoed: 7 } });
    // Scale to zero: the launched worker left and its launch ended.
    await until(w, (s) => Object.keys(s.launches.live).length === 0);
    // Scale to zero: no launched worker stays (one lost under load is launched again).
    const workers = Object.values(w.d.host.state.workers);
    expect(workers.filter((x) => x.status !== 'left' && x.status !== 'lost')).toEqual([]);
    expect(workers.find((x) => x.status === 'left')?.capability).toMatchObject({
      labels: { region: 'eu', runtime: 'fn' },
      runtime: { kind: 'lambda' },
    });
    const launches = await w.eventsOn(w.f.log.subjects.launch(project, pool));
    expect(launches.slice(0, 2).map((e) => e.type)).toEqual(['launch.requested', 'launch.started']);
    const requested = launches[0] as EventOf<'launch.requested'>;
    expect(requested.data).toMatchObject({ taskId: 't1', template: 'fn', runtime: 'lambda' });
    expect(requested.data.reason).toContain('no live worker fits');
    // The key: single use, exactly the template's labels; its secret only as a hash.
    const keys = await w.eventsOn(w.f.log.subjects.key(project, requested.data.keyId));
    expect(keys.map((e) => e.type)).toEqual(['key.issued', 'key.used']);
    expect(keys[0]?.data).toMatchObject({ maxUses: 1, labels: { region: 'eu', runtime: 'fn' } });
    const everything = await w.eventsOn(w.f.log.subjects.all());
    expect(JSON.stringify(everything)).not.toMatch(/fk_/);
    // The choice stays visible for the task's status.
    expect(w.d.host.state.launches.choices[taskKey(project, 't1')]).toMatchObject({
      template: 'fn',
      runtime: 'lambda',
    });
  });

  it('launches nothing while a warm worker with room fits', async () => {
    const w = (fleet = await workerFleet());
    await w.startWorker(echo);
    const told: ProvisionerEvent[] = [];
    const p = await start(w, () => echo, told);
    await w.f.submit({ taskId: 't1' });
    await until(w, ended(['t1']));
    await p.provision();
    expect(told).toEqual([]);
  });

  it('a failed launch backs its template off, shows in why-waiting, then retries', async () => {
    const w = (fleet = await workerFleet());
    let launches = 0;
    const told: ProvisionerEvent[] = [];
    await start(
      w,
      (_t, failed) => (task) => {
        launches += 1;
        if (launches > 1) return echo(task);
        failed({ code: 'runtime_unavailable', message: 'the engine did not answer' });
        return Promise.reject(new TaskError('the engine did not answer'));
      },
      told,
    );
    const seen: string[] = [];
    const off = w.d.host.onFold(() => {
      seen.push(waitReasonText(whyWaiting(w.d.host.state, project, 't1' as TaskId)));
    });
    await w.f.submit({ taskId: 't1', maxAttempts: 3 });
    await until(w, ended(['t1']));
    off();
    expect(seen.some((r) => r.startsWith('launch from template fn (lambda) failed 1x'))).toBe(true);
    expect(seen.some((r) => r.startsWith('launching a lambda worker from template fn'))).toBe(true);
    const types = (await w.eventsOn(w.f.log.subjects.launch(project, pool))).map((e) => e.type);
    // (A worker lost under load would add a launch; the order of the first ones holds.)
    expect(types.slice(0, 3)).toEqual(['launch.requested', 'launch.started', 'launch.failed']);
    expect(types.slice(3, 5)).toEqual(['launch.requested', 'launch.started']);
    const failed = told.find((e) => e.type === 'failed');
    expect(failed).toMatchObject({ problem: { code: 'runtime_unavailable' } });
    // A launch that worked ends the run of failures.
    expect(w.d.host.state.launches.backoff).toEqual({});
    expect(statusOf(w.d.host.state, 't1')).toBe('completed');
  });

  it('fails a launch it has no runtime for, and keeps within each template’s limit', async () => {
    const w = (fleet = await workerFleet());
    const box = RuntimeTemplate.parse({ ...fn, name: 'box', runtime: { kind: 'docker' }, cost: 0 });
    let live = 0;
    let most = 0;
    const told: ProvisionerEvent[] = [];
    await start(
      w,
      (t) =>
        t.name === 'box'
          ? undefined
          : async (task) => {
              live += 1;
              most = Math.max(most, live);
              await new Promise((r) => setTimeout(r, 50));
              live -= 1;
              return echo(task);
            },
      told,
      [fn, box],
    );
    await w.f.submit({ taskId: 'a' }, { taskId: 'b' }, { taskId: 'c' });
    await until(w, ended(['a', 'b', 'c']));
    const events: FleetEvent[] = await w.eventsOn(w.f.log.subjects.launch(project, pool));
    const failed = events.filter((e) => e.type === 'launch.failed');
    expect(failed[0]?.data).toMatchObject({ code: 'runtime_unsupported' });
    expect(most).toBe(1);
  });
});
