import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, describe, expect, it } from 'vitest';
import { issueKey, startRegistrar } from '../../actors/registrar/index.ts';
import { createWorker } from '../../actors/worker/index.ts';
import type { Worker, WorkerLifecycleEvent } from '../../actors/worker/index.ts';
import { submitTasks } from '../../client/index.ts';
import type { PoolId, ProjectId } from '../../events/index.ts';
import { EventLog } from '../../log/index.ts';
import { startNatsServer, uniqueName } from '../harness/index.ts';
import { spawnFleet } from '../support/spawn-fleet.ts';
import type { SpawnedFleet } from '../support/spawn-fleet.ts';

// kill -9 of the active dispatcher of a pool while a worker's long-polled claim waits there.
// Nothing tells the worker: without a hand-over it would wait for its request to time out (here
// a minute, twice this test's own time-out). The standby that takes over answers that claim,
// and the worker asks it for work at once: it never sees its claim fail.

const POOL = 'gpu' as PoolId;
const PROJECT = 'p1' as ProjectId;

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

describe('kill -9 of the active dispatcher while a worker waits on its claim', () => {
  it('hands the claim over: the worker gets work from the new one, its claim never fails', async () => {
    const server = await startNatsServer();
    cleanups.push(() => server.stop());
    const root = uniqueName('takeover');
    const stream = root.toUpperCase();
    const connections: NatsConnection[] = [];
    const open = async () => {
      const nc = await connect({ servers: server.url });
      connections.push(nc);
      return nc;
    };
    cleanups.push(() => Promise.all(connections.map((nc) => nc.close())));
    const log = await EventLog.open(await open(), { stream, root });
    const registrar = await startRegistrar({ log });
    cleanups.push(() => registrar.stop());

    const processes: SpawnedFleet[] = [];
    cleanups.push(() => {
      for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGKILL');
      return Promise.resolve();
    });
    const dispatcher = () => {
      const p = spawnFleet([
        ...['--nats', server.url, '--root', root, '--stream', stream],
        ...['dispatcher', '--pool', POOL, '--heartbeat', '500ms', '--missed-beats', '4'],
      ]);
      processes.push(p);
      return p;
    };
    const active = dispatcher();
    await active.waitFor(/dispatcher of pool gpu: active/);
    const standby = dispatcher();
    await standby.waitFor(/dispatcher of pool gpu: standby/);

    // The pool's claims, as the dispatchers hear them: one seen here was heard by both.
    const claims: string[] = [];
    const probeNc = await open();
    const probe = probeNc.subscribe(log.subjects.poolClaims(POOL), {
      callback: (_e, m) => {
        claims.push(m.subject);
      },
    });
    await probeNc.flush();
    cleanups.push(() => {
      probe.unsubscribe();
      return Promise.resolve();
    });

    const events: WorkerLifecycleEvent[] = [];
    const worker: Worker = await createWorker({
      nats: await open(),
      key: (await issueKey(log, { project: PROJECT, pool: POOL })).token,
      root,
      heartbeatMs: 500,
      claimWaitMs: 60_000,
      handler: (task) => Promise.resolve({ output: { echoed: task.payload } }),
      onEvent: (e) => events.push(e),
    });
    cleanups.push(() => worker.kill());
    // Its claim goes out once the dispatcher knows it, and waits there: nothing is queued.
    await expect.poll(() => events.some((e) => e.type === 'active')).toBe(true);
    await expect
      .poll(() => claims.includes(log.subjects.claim(PROJECT, POOL, worker.id)))
      .toBe(true);

    const killed = Date.now();
    active.child.kill('SIGKILL');
    await active.exited;
    await submitTasks(await open(), [{ taskId: 'after-kill', project: PROJECT, pool: POOL }], {
      root,
    });
    await expect
      .poll(() => events.find((e) => e.type === 'task_reported' && e.taskId === 'after-kill'), {
        timeout: 25_000,
      })
      .toMatchObject({ outcome: 'completed' });
    console.log(
      `takeover: a task submitted after kill -9 of the active dispatcher completed ` +
        `${String(Date.now() - killed)} ms after the kill`,
    );
    expect(standby.stdout()).toMatch(/dispatcher of pool gpu: active \(lease term 2/);
    // The claim the dead one held was answered, not timed out: the worker saw no claim fail.
    expect(events.filter((e) => e.type === 'claim_error')).toEqual([]);
  }, 40_000);
});
