import type { NatsConnection } from '@nats-io/transport-node';
import { NotFoundError } from '../events/index.ts';
import type { Place } from './locate.ts';

/**
 * Checks that a dispatcher serves `place`'s pool, by asking it the status of `taskId` (a
 * request no one answers has no responders at once). Throws `NotFoundError` when none does,
 * saying what to do; `UnavailableError` when one is there but does not answer in time. Returns
 * the task's status.
 */
export const dispatcherServes = async (
  nc: NatsConnection,
  place: Place,
  taskId: string,
  options: { readonly root: string; readonly doing: string },
) => {
  const { RequestError } = await import('@nats-io/transport-node');
  const { taskStatus } = await import('../client/index.ts');
  try {
    return await taskStatus(nc, { ...place, taskId, waitMs: 0 }, { root: options.root });
  } catch (e) {
    if (!(e instanceof Error && e.cause instanceof RequestError && e.cause.isNoResponders()))
      throw e;
    throw new NotFoundError(
      `no dispatcher serves pool ${place.pool} (project ${place.project}): ${options.doing} ` +
        `(is the pool right? A pool is served by fleet up --pools ${place.pool} or ` +
        `fleet dispatcher --pool ${place.pool})`,
      { cause: e },
    );
  }
};
