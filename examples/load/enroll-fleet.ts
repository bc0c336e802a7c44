import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { issueKey } from '../../actors/registrar/index.ts';
import { createWorker } from '../../actors/worker/index.ts';
import type { Worker } from '../../actors/worker/index.ts';
import type { EventLog } from '../../log/index.ts';
import { fakeModel } from './fake-model.ts';
import { FLEET, KILLABLE, TENANTS } from './fleet-spec.ts';
import type { Wedge } from './wedge.ts';

/** What {@link enrollFleet} needs from the run; the arrays are the run's own, filled as it goes. */
export interface FleetContext {
  readonly log: EventLog;
  readonly natsUrl: string;
  readonly root: string;
  readonly limitMs: number;
  readonly wedge: Wedge;
  /** Every worker created, for the run to drain even when enrolment fails midway. */
  readonly workers: Worker[];
  /** Every worker's connection, for the run to close. */
  readonly connections: NatsConnection[];
  readonly problems: string[];
  /** Called each time a worker has reported an attempt. */
  readonly onReported: () => void;
}

/**
 * Creates every tenant's eight workers, each on its own connection with a single-use key bound
 * to its tenant, pool and models. Resolves with one promise per worker, settled once it is active.
 */
export const enrollFleet = async (ctx: FleetContext): Promise<Promise<void>[]> => {
  const { log, root, limitMs, wedge, problems } = ctx;
  const active: Promise<void>[] = [];
  for (const [t, project] of TENANTS.entries())
    for (const [index, spec] of FLEET.entries()) {
      const key = await issueKey(log, {
        project,
        pool: spec.pool,
        models: spec.models,
        maxUses: 1,
        ttlMs: 30 * 60_000,
        name: `load ${project} ${spec.pool} #${index}`,
      });
      const wnc = await connect({ servers: ctx.natsUrl, name: `load ${project} ${index}` });
      ctx.connections.push(wnc);
      let markActive: () => void = () => undefined;
      active.push(
        new Promise<void>((resolve) => {
          markActive = resolve;
        }),
      );
      // The worker, for its own listener (which hears of tasks only once it is created).
      const me: { worker?: Worker } = {};
      const model = fakeModel(spec.models);
      const worker = await createWorker({
        nats: wnc,
        key: key.token,
        models: spec.models,
        runtime:
          spec.runtime === 'lambda'
            ? { kind: 'lambda', maxDurationMs: 900_000, memoryMb: 10_240 }
            : { kind: spec.runtime },
        labels: { region: t % 2 === 0 ? 'eu-west' : 'us-east' },
        capacity: spec.capacity,
        root,
        claimWaitMs: 2_000,
        handler: async (task) => {
          const self = me.worker;
          if (wedge.armed && KILLABLE.has(index) && self !== undefined) {
            if (wedge.victim === undefined) {
              wedge.victim = self;
              wedge.chosen?.(self);
            }
            // Until the kill aborts it; the attempt is never reported.
            if (wedge.victim === self) await sleep(limitMs, undefined, { signal: task.signal });
          }
          return model(task);
        },
        onEvent: (e) => {
          if (e.type === 'active') markActive();
          if (e.type === 'task_reported') ctx.onReported();
          if (e.type === 'report_failed')
            problems.push(`worker ${project} #${index}: a report could not be stored`);
        },
      });
      me.worker = worker;
      ctx.workers.push(worker);
    }
  return active;
};
