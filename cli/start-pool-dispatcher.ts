import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { startDispatcher } from '../actors/dispatcher/dispatcher.ts';
import type { Dispatcher } from '../actors/dispatcher/dispatcher.ts';
import { holdPoolLease } from '../actors/lease/index.ts';
import type { DispatcherConfig } from '../domain/pool/index.ts';
import type { EventLog } from '../log/index.ts';
import { progressLine, Snapshots } from '../actors/host/index.ts';
import { leaseBucket, PoolId } from '../events/index.ts';
import { InvalidInputError } from '../client/index.ts';
import type { CliContext } from './cli-context.ts';
import { errorMessage } from './error-message.ts';
import { serviceLogger } from './service-logger.ts';
import { snapshotBucket } from './snapshot-bucket.ts';
import type { Readiness } from './health-server.ts';

/** Checks a pool name given on the command line. */
export const poolName = (name: string, flag = '--pool'): PoolId => {
  const parsed = PoolId.safeParse(name);
  if (!parsed.success)
    throw new InvalidInputError(
      flag,
      `${flag} "${name}": ${parsed.error.issues[0]?.message ?? ''}`,
    );
  return parsed.data;
};

/**
 * Starts the dispatcher of a pool with snapshots in the deployment's own bucket, telling its
 * survived errors and, while it catches up with the log, its progress in its log (and to
 * `readiness`), then one `ready:` line on stdout. It serves only while it holds the pool's lease
 * (actors/lease): started beside another dispatcher of the pool, it stands by, folding, and
 * takes over when that one's lease lapses. Each change of role is one line on stdout.
 */
export const startPoolDispatcher = async (
  ctx: CliContext,
  log: EventLog,
  pool: PoolId,
  config: Partial<Omit<DispatcherConfig, 'pool'>> = {},
  readiness?: Readiness,
): Promise<Dispatcher> => {
  const actor = `dispatcher.${pool}`;
  const logger = serviceLogger(ctx, 'dispatcher', { pool });
  readiness?.starting(actor);
  const started = performance.now();
  const snapshots = await Snapshots.open(log.nc, snapshotBucket(log.stream, log.subjects.root), {
    replicas: log.replicas,
  });
  // Once per requester subject: a flood of hostile requests must not flood the log too.
  const told = new Set<string>();
  const d = await startDispatcher({
    log,
    pool,
    config,
    snapshots,
    standby: true,
    onError: (e) => {
      logger.error(`dispatcher ${pool}: ${errorMessage(e)}`);
    },
    onRefused: (r) => {
      const key = `${r.kind} ${r.subject}`;
      if (told.has(key) || told.size >= 1_000) return;
      told.add(key);
      logger.warn(
        { kind: r.kind, subject: r.subject, reason: r.reason, detail: r.detail },
        `dispatcher ${pool}: refused to answer a ${r.kind} request on ${r.subject} [${r.reason}]: ${r.detail} (told once per subject)`,
      );
    },
    onProgress: (p) => {
      readiness?.progress(p);
      logger.info({ ...p }, progressLine(p));
    },
  });
  const { restoredFrom, folded } = d.host.stats;
  readiness?.ready(actor, d.host.position);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  ctx.print(
    `ready: dispatcher of pool ${pool} at seq ${d.host.position}, ` +
      (restoredFrom === undefined
        ? 'from the start of the log'
        : `from its snapshot at ${restoredFrom}`) +
      ` and ${folded} messages folded, in ${seconds} s`,
  );
  const candidate = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  let stopping = false;
  const lease = await holdPoolLease({
    nc: log.nc,
    bucket: leaseBucket(log.stream, log.subjects.root),
    pool,
    candidate,
    replicas: log.replicas,
    onRole: (role, state) => {
      readiness?.role(actor, role);
      const term = state.status === 'held' ? state.lease.term : 0;
      if (role === 'active') {
        d.serve();
        ctx.print(`dispatcher of pool ${pool}: active (lease term ${term}, ${candidate})`);
        return;
      }
      // Stopping, it no longer overhears claims: nobody would answer those it heard.
      d.standBy({ overhear: !stopping }).catch((e: unknown) =>
        logger.error(`dispatcher ${pool}: ${errorMessage(e)}`),
      );
      ctx.print(`dispatcher of pool ${pool}: standby (${candidate})`);
    },
    onError: (e) => {
      logger.error(`dispatcher ${pool}: lease: ${errorMessage(e)}`);
    },
  });
  if (lease.role() === 'standby') {
    const state = lease.state();
    readiness?.role(actor, 'standby');
    ctx.print(
      `dispatcher of pool ${pool}: standby` +
        (state.status === 'held' ? ` while ${state.lease.holder} serves it` : '') +
        ` (${candidate})`,
    );
  }
  return {
    ...d,
    stop: async () => {
      // The lease first: a standby takes over at once instead of after the lease's ttl.
      stopping = true;
      await lease.stop();
      await d.stop();
    },
  };
};
