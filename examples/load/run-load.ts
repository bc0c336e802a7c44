import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { startDispatcher } from '../../actors/dispatcher/dispatcher.ts';
import type { Dispatcher } from '../../actors/dispatcher/dispatcher.ts';
import { startRegistrar } from '../../actors/registrar/index.ts';
import type { Registrar } from '../../actors/registrar/index.ts';
import type { Worker } from '../../actors/worker/index.ts';
import { submitTasks } from '../../client/index.ts';
import type { PoolId } from '../../events/index.ts';
import { startHud } from '../../hud/index.ts';
import type { Hud } from '../../hud/index.ts';
import { EventLog } from '../../log/index.ts';
import type { TailItem } from '../../log/index.ts';
import { startProjections } from '../../projections/index.ts';
import type { Projections } from '../../projections/index.ts';
import { narrator } from '../narrator.ts';
import { openFreshLog } from '../open-fresh-log.ts';
import { readStream } from '../read-stream.ts';
import { within } from '../within.ts';
import { auditLoad } from './audit-load.ts';
import { enrollFleet } from './enroll-fleet.ts';
import { fate } from './fate.ts';
import { CPU, FLEET, GPU, POOLS, TENANTS } from './fleet-spec.ts';
import type { LoadOptions } from './load-options.ts';
import type { LoadResult } from './load-result.ts';
import { taskMix } from './task-mix.ts';
import { killWedged } from './wedge.ts';
import type { Wedge } from './wedge.ts';

/**
 * Runs the load scenario on the NATS server at `natsUrl`, in its own stream and subject root,
 * with the HUD streaming it. Never throws for a failed check: `ok` and `problems` say what
 * failed.
 */
export const runLoad = async (options: LoadOptions): Promise<LoadResult> => {
  const n = narrator(options);
  const { out, step, elapsed, c } = n;
  const root = options.root ?? 'fleetload';
  const stream = options.stream ?? 'FLEET_LOAD';
  const count = options.tasks ?? 2_000;
  const limitMs = options.limitMs ?? 180_000;
  const problems: string[] = [];
  const inputs = taskMix(count, root);
  const fates = new Map(inputs.map((t) => [`${t.project}/${t.taskId}`, fate(t.taskId ?? '')]));

  out(c.bold('Fleet — load, live on the HUD'));
  out(
    `${TENANTS.length} tenants × ${FLEET.length} workers in pools gpu and cpu; ${count} tasks ` +
      'with mixed models, priorities and payloads;',
  );
  out('~5% fail once and are retried, ~1% fail every attempt (dead-lettered), ~0.5% fail for');
  out('good; one worker is killed midway and its tasks run elsewhere.');
  out('');

  const nc = await connect({ servers: options.natsUrl, name: 'load-example' });
  const connections: NatsConnection[] = [];
  const workers: Worker[] = [];
  const dispatchers: Dispatcher[] = [];
  let registrar: Registrar | undefined;
  let projections: Projections | undefined;
  let hud: Hud | undefined;
  let hudUrl = '';
  let killed: LoadResult['killed'];
  let lastSubmitAt = 0;
  try {
    const log = await openFreshLog(nc, { stream, root });
    step(`NATS ${options.natsUrl}, stream ${stream}, subjects ${root}.> (fresh)`);

    projections = await startProjections({ log, checkpoints: false });
    const token = randomBytes(24).toString('base64url');
    hud = await startHud({
      projections,
      tokens: { operator: [token], projects: {} },
      port: options.hudPort ?? 7480,
      portFallback: options.hudPort === undefined,
    });
    hudUrl = `${hud.url}?token=${token}`;
    step(`${c.bold('HUD')} ${c.cyan(hudUrl)}  (operator token; open it to watch the run)`);
    if (options.waitForViewerMs !== undefined) {
      step('waiting for the HUD page to open…');
      const until = elapsed() + options.waitForViewerMs;
      while (hud.streams() === 0 && elapsed() < until) await sleep(200);
    }

    const onError = (error: unknown) => {
      problems.push(`actor error: ${String(error)}`);
    };
    registrar = await startRegistrar({ log, onError });
    for (const pool of POOLS) dispatchers.push(await startDispatcher({ log, pool, onError }));

    let completions = 0;
    let halfway: () => void = () => undefined;
    const reachedHalf = new Promise<void>((resolve) => {
      halfway = resolve;
    });
    const wedge: Wedge = { armed: false };
    const active = await enrollFleet({
      log,
      natsUrl: options.natsUrl,
      root,
      limitMs,
      wedge,
      workers,
      connections,
      problems,
      onReported: () => {
        if ((completions += 1) === Math.floor(count / 2)) halfway();
      },
    });
    await within(Promise.all(active), 30_000, 'the workers did not become active in time');
    step(`${workers.length} workers enrolled and active:`);
    for (const project of TENANTS) {
      const own = workers.filter((w) => w.identity.project === project);
      const describe = (pool: PoolId) =>
        own
          .filter((w) => w.identity.pool === pool)
          .map((w) => `${w.identity.runtime.kind}[${w.identity.models.join(',')}]`)
          .join(' ');
      out(`           ${project.padEnd(12)} gpu ${describe(GPU)}`);
      out(`           ${''.padEnd(12)} cpu ${describe(CPU)}`);
    }

    // Sustained load: the tasks arrive in waves, so the HUD shows queues fill and drain.
    const waves = 10;
    const submitting = (async () => {
      for (let w = 0; w < waves; w += 1) {
        const wave = inputs.slice(
          Math.floor((w * count) / waves),
          Math.floor(((w + 1) * count) / waves),
        );
        await submitTasks(nc, wave, { root });
        lastSubmitAt = elapsed();
        if (w < waves - 1) await sleep(150);
      }
    })();
    step(`submitting ${count} tasks in ${waves} waves`);

    // Midway, a worker wedges on an attempt and is killed: no report, no goodbye.
    await reachedHalf;
    const { victim, held } = await killWedged(wedge);
    killed = { workerId: victim.id, held };
    const { project: vp, pool: vpool, runtime: vr } = victim.identity;
    step(
      `${c.red('killed')} worker ${victim.id} (${vp} ${vpool} ${vr.kind}), wedged, holding ` +
        `${held.length} attempt(s): ` +
        `${held
          .slice(0, 4)
          .map((h) => h.key)
          .join(', ')}${held.length > 4 ? ', …' : ''}`,
    );
    await submitting;
    step(`all ${count} tasks submitted`);

    // Done when every pool's fold has every task ended: no task left queued or assigned.
    const perPool = new Map<PoolId, number>(POOLS.map((p) => [p, 0]));
    for (const t of inputs) perPool.set(t.pool as PoolId, (perPool.get(t.pool as PoolId) ?? 0) + 1);
    const allEnded = () =>
      dispatchers.every((d) => {
        const tasks = [...d.host.state.tasks.values()];
        return (
          tasks.length === perPool.get(d.host.state.config.pool) &&
          tasks.every((task) => task.status !== 'queued' && task.status !== 'assigned')
        );
      });
    while (!allEnded()) {
      if (elapsed() > limitMs) {
        problems.push(`not every task ended within ${limitMs} ms`);
        break;
      }
      await sleep(100);
    }
    step('every task ended');
  } catch (error) {
    problems.push(`the run failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await Promise.allSettled(workers.map((w) => (w.id === killed?.workerId ? w.done : w.drain())));
    for (const d of dispatchers) await d.stop();
    await registrar?.stop();
    for (const wnc of connections) await wnc.close();
  }
  step('workers drained; dispatchers and registrar stopped');
  try {
    let items: TailItem[];
    try {
      items = await readStream(await EventLog.open(nc, { stream, root }));
    } finally {
      await nc.close();
    }
    const { afterRun } = options;
    return await auditLoad(items, {
      narrator: n,
      root,
      count,
      limitMs,
      fates,
      killed,
      lastSubmitAt,
      hudUrl,
      problems,
      afterRun,
    });
  } finally {
    await hud?.stop();
    await projections?.stop();
  }
};
