import { startDispatcher } from '../actors/dispatcher/dispatcher.ts';
import type { Dispatcher } from '../actors/dispatcher/dispatcher.ts';
import type { DispatcherConfig } from '../actors/dispatcher/index.ts';
import type { EventLog } from '../actors/host/event-log.ts';
import { Snapshots } from '../actors/host/snapshots.ts';
import { PoolId } from '../events/index.ts';
import { InvalidInputError } from '../client/index.ts';
import type { CliContext } from './cli-context.ts';
import { errorMessage } from './error-message.ts';
import { snapshotBucket } from './snapshot-bucket.ts';

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
 * survived errors on stderr.
 */
export const startPoolDispatcher = async (
  ctx: CliContext,
  log: EventLog,
  pool: PoolId,
  config: Partial<Omit<DispatcherConfig, 'pool'>> = {},
): Promise<Dispatcher> => {
  const snapshots = await Snapshots.open(log.nc, snapshotBucket(log.stream, log.subjects.root));
  // Once per requester subject: a flood of hostile requests must not flood the log too.
  const told = new Set<string>();
  return startDispatcher({
    log,
    pool,
    config,
    snapshots,
    onError: (e) => {
      ctx.warn(`dispatcher ${pool}: ${errorMessage(e)}`);
    },
    onRefused: (r) => {
      const key = `${r.kind} ${r.subject}`;
      if (told.has(key) || told.size >= 1_000) return;
      told.add(key);
      ctx.warn(
        `dispatcher ${pool}: refused to answer a ${r.kind} request on ${r.subject} [${r.reason}]: ${r.detail} (told once per subject)`,
      );
    },
  });
};
