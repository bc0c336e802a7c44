import { afterEach, describe, expect, it } from 'vitest';
import { cancelTask } from '../../client/index.ts';
import { RuntimeTemplate } from '../../events/index.ts';
import type { DispatchState } from '../../domain/pool/index.ts';
import { taskKey } from '../../domain/pool/index.ts';
import { HEARTBEAT_MS, pool, project, workerFleet } from '../../test/support/worker-fleet.ts';
import type { WorkerFleet } from '../../test/support/worker-fleet.ts';
import { startProvisioner } from './provisioner.ts';
import type { Provisioner, ProvisionerEvent } from './provisioner.ts';

// A launched worker is bound to the kind of task it was launched for (its template's labels
// and models, its project and pool), not to the task's id: see docs/operations.md, "What a
// launched worker runs". This test shows why: when the task it was launched for is gone
// before it claims, it runs the next task of that kind, and no second cold launch is needed.

const fn = RuntimeTemplate.parse({
  name: 'fn',
  runtime: { kind: 'lambda', maxDurationMs: 60_000, memoryMb: 512 },
  models: ['llama'],
  cost: 1,
  maxConcurrent: 1,
});

let fleet: WorkerFleet | undefined;
let provisioner: Provisioner | undefined;
afterEach(async () => {
  await provisioner?.stop();
  await fleet?.close();
  provisioner = undefined;
  fleet = undefined;
});

/** Resolves once `state()` satisfies `check`, looked at after every fold of `host`. */
const until = (
  host: { onFold: (f: () => void) => () => void },
  state: () => DispatchState,
  check: (s: DispatchState) => boolean,
): Promise<void> =>
  new Promise((resolve) => {
    if (check(state())) {
      resolve();
      return;
    }
    const off = host.onFold(() => {
      if (!check(state())) return;
      off();
      resolve();
    });
  });

describe('a launched worker serves the kind of task it was launched for', () => {
  it('runs the next task of the kind when its own was cancelled before it claimed; one launch', async () => {
    const w = (fleet = await workerFleet());
    // No dispatcher yet: the launched worker enrolls but cannot claim until one runs.
    await w.d.stop();
    await w.f.submit({ taskId: 't1', payload: 1 });
    const told: ProvisionerEvent[] = [];
    const p = (provisioner = await startProvisioner({
      log: w.f.log,
      pool,
      templates: [fn],
      handlerFor: () => (task) => Promise.resolve({ output: { ran: task.taskId } }),
      heartbeatMs: HEARTBEAT_MS,
      claimWaitMs: 1_000,
      idleMs: 60_000,
      tickMs: 100,
      onEvent: (e) => told.push(e),
    }));
    await expect
      .poll(() => told.find((e) => e.type === 'started'), { timeout: 30_000 })
      .toBeDefined();
    const launched = told.find((e) => e.type === 'started');
    const launchedId = launched?.type === 'started' ? launched.workerId : '';
    // The task it was launched for goes; another of the same kind comes.
    await cancelTask(w.f.nc, { project, pool, taskId: 't1' }, { root: w.f.log.subjects.root });
    await w.f.submit({ taskId: 't2', payload: 2 });
    const provState = () => p.host.state.pool;
    await until(p.host, provState, (s) => s.tasks.get(taskKey(project, 't2'))?.status === 'queued');
    // The launch on its way counts for t2: nothing more is launched.
    await p.provision();
    expect(told.filter((e) => e.type === 'requested')).toHaveLength(1);
    await w.restartDispatcher();
    await until(
      w.d.host,
      () => w.d.host.state,
      (s) => {
        const t = s.tasks.get(taskKey(project, 't2'));
        return t === undefined
          ? s.ended[taskKey(project, 't2')] !== undefined
          : t.status === 'completed';
      },
    );
    const report = await w.endingReport('t2');
    expect(report?.type).toBe('task.completed');
    expect(report?.data).toMatchObject({ workerId: launchedId, output: { ran: 't2' } });
    const launches = await w.eventsOn(w.f.log.subjects.launch(project, pool));
    expect(launches.filter((e) => e.type === 'launch.requested')).toHaveLength(1);
    expect(launches[0]?.data).toMatchObject({ taskId: 't1' });
  });
});
