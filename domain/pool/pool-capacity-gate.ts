import { capacityBlock } from '../limits/index.ts';
import type { CapacityBlock } from '../limits/index.ts';
import { eligible } from './signatures.ts';
import type { DispatchState } from './state.ts';

/**
 * True when `project` has queued work it could start now: a ready task in a queue whose demand
 * some active worker of the project with a free slot meets. Only such a project keeps its
 * reserve: a share held for work that cannot run would idle the pool for nothing.
 */
export const hasStartableWork = (s: DispatchState, project: string, startedNow = 0): boolean => {
  let startable = 0;
  for (const [reqSig, queue] of Object.entries(s.queues[project] ?? {})) {
    const demand = s.demands[reqSig];
    const queued = Object.values(queue).reduce((n, ids) => n + ids.length, 0);
    if (demand === undefined || queued === 0) continue;
    for (const [capSig, { capability, active, free }] of Object.entries(s.capabilities))
      if (
        active > 0 &&
        free > 0 &&
        capability.project === project &&
        capability.pool === demand.pool &&
        eligible(reqSig, demand, capSig, capability)
      ) {
        startable += queued;
        break;
      }
    // What a round started is still queued in the state it decides on: not work left.
    if (startable > startedNow) return true;
  }
  return false;
};

/**
 * The dispatcher's check of the pool's capacity for one more attempt of `project`: the total
 * and the reserves of other projects with startable work. `started` counts what the round
 * started per project before the fold saw it.
 */
export const poolCapacityBlock = (
  s: DispatchState,
  project: string,
  started?: ReadonlyMap<string, number>,
): CapacityBlock | undefined =>
  capacityBlock(
    s.limits,
    project,
    (other) => hasStartableWork(s, other, started?.get(other) ?? 0),
    started,
  );
