import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { issueKey } from '../../actors/registrar/index.ts';
import { createWorker } from '../../actors/worker/index.ts';
import type { Worker } from '../../actors/worker/index.ts';
import type { EventLog } from '../../log/index.ts';
import type { SecureFixture } from '../../security/secure-fixture.ts';
import { fakeModel } from './fake-model.ts';
import { WORKERS } from './fleet-spec.ts';

/** What {@link enrollWorkers} needs from the run; the arrays are the run's, filled as it goes. */
export interface WorkersContext {
  readonly log: EventLog;
  readonly natsUrl: string;
  readonly root: string;
  readonly stream: string;
  /** Secure mode's server and credentials, else undefined. */
  readonly secure: SecureFixture | undefined;
  /** Every worker created, for the run to drain even when enrolment fails midway. */
  readonly workers: Worker[];
  /** Every worker's connection, for the run to close. */
  readonly connections: NatsConnection[];
  readonly problems: string[];
}

/**
 * Creates the four workers, each with a single-use key bound to its tenant and pool: the key
 * decides both. Resolves with one promise per worker, settled once it is active.
 */
export const enrollWorkers = async (ctx: WorkersContext): Promise<Promise<void>[]> => {
  const { log, natsUrl, root, secure, problems } = ctx;
  const deployment = { root, stream: ctx.stream };
  const active: Promise<void>[] = [];
  for (const spec of WORKERS) {
    let markActive: () => void = () => undefined;
    active.push(
      new Promise<void>((resolve) => {
        markActive = resolve;
      }),
    );
    const key = await issueKey(log, {
      project: spec.project,
      pool: spec.pool,
      models: spec.models,
      maxUses: 1,
      ttlMs: 10 * 60_000,
      name: `example ${spec.project} ${spec.pool}`,
    });
    // Secure: the worker enrolls as the shared enrollment user, then connects as itself.
    const wnc =
      secure === undefined
        ? await connect({ servers: natsUrl, name: `worker ${spec.project}` })
        : await secure.connectAs(await secure.auth.serviceCreds('enroll', deployment));
    ctx.connections.push(wnc);
    ctx.workers.push(
      await createWorker({
        nats: wnc,
        key: key.token,
        models: spec.models,
        capacity: 3,
        root,
        claimWaitMs: 2_000,
        handler: fakeModel(spec.models[0], spec.usdPer1k),
        ...(secure === undefined
          ? {}
          : { connect: (creds) => secure.connectAs(creds, { reconnect: true }) }),
        onEvent: (e) => {
          if (e.type === 'active') markActive();
          if (e.type === 'report_failed' || e.type === 'refused')
            problems.push(`worker ${spec.project}/${spec.pool}: ${e.type}`);
        },
      }),
    );
  }
  return active;
};
