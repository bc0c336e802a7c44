import { afterEach, describe, expect, it } from 'vitest';
import { RuntimeTemplate } from '../../events/index.ts';
import { taskKey } from '../../domain/pool/index.ts';
import type { DispatchState } from '../../domain/pool/index.ts';
import { HEARTBEAT_MS, pool, project, workerFleet } from '../../test/support/worker-fleet.ts';
import type { WorkerFleet } from '../../test/support/worker-fleet.ts';
import type { TaskHandler } from '../worker/index.ts';
import { startProvisioner } from './provisioner.ts';
import type { Provisioner, ProvisionerEvent } from './provisioner.ts';

const fn = RuntimeTemplate.parse({
  name: 'fn',
  runtime: { kind: 'lambda', maxDurationMs: 60_000, memoryMb: 512 },
  models: ['llama'],
  cost: 1,
  maxConcurrent: 4,
});

let fleet: WorkerFleet | undefined;
const provisioners: Provisioner[] = [];
afterEach(async () => {
  for (const p of provisioners.splice(0)) await p.stop();
  await fleet?.close();
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

describe('a restarted provisioner', () => {
  it('rebuilds its launches from the stream and launches nothing twice', async () => {
    const w = (fleet = await workerFleet());
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => {
      release = r;
    });
    // The launched workers hold their tasks until the test lets them finish.
    const handler: TaskHandler = async (task) => {
      await held;
      return { output: task.taskId };
    };
    const start = (told: ProvisionerEvent[]) =>
      startProvisioner({
        log: w.f.log,
        pool,
        templates: [fn],
        handlerFor: () => handler,
        heartbeatMs: HEARTBEAT_MS,
        claimWaitMs: 1_000,
        idleMs: 60_000,
        tickMs: 100,
        onEvent: (e) => told.push(e),
      });
    await w.f.submit({ taskId: 't1' }, { taskId: 't2' });
    const first: ProvisionerEvent[] = [];
    const a = await start(first);
    // Both launched workers run their task.
    await until(
      w.d.host,
      () => w.d.host.state,
      (s) => ['t1', 't2'].every((id) => s.tasks.get(taskKey(project, id))?.status === 'assigned'),
    );
    // The first provisioner goes (its launched workers run on, as a crashed one's would).
    const stopping = a.stop();
    expect(first.filter((e) => e.type === 'requested')).toHaveLength(2);

    const second: ProvisionerEvent[] = [];
    const b = await start(second);
    provisioners.push(b);
    // Folded from the stream: the two launches under way, nothing to launch.
    expect(Object.keys(b.host.state.pool.launches.live)).toHaveLength(2);
    for (let i = 0; i < 3; i += 1) await b.provision();
    expect(second).toEqual([]);
    // A new task of the kind does get a launch of its own: the rule still runs.
    await w.f.submit({ taskId: 't3' });
    await expect
      .poll(() => second.filter((e) => e.type === 'requested').length, { timeout: 30_000 })
      .toBe(1);
    release();
    await stopping;
    await until(
      w.d.host,
      () => w.d.host.state,
      (s) =>
        ['t1', 't2', 't3'].every((id) => {
          const t = s.tasks.get(taskKey(project, id));
          return t === undefined
            ? s.ended[taskKey(project, id)] !== undefined
            : t.status === 'completed';
        }),
    );
    const launches = await w.eventsOn(w.f.log.subjects.launch(project, pool));
    const requested = launches.filter((e) => e.type === 'launch.requested');
    expect(requested.map((e) => 'taskId' in e.data && e.data.taskId).sort()).toEqual([
      't1',
      't2',
      't3',
    ]);
  });
});
