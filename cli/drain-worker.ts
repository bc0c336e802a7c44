import type { EventLog } from '../log/index.ts';
import { RefusedError, WorkerDraining } from '../events/index.ts';
import type { PoolId, ProjectId, WorkerId } from '../events/index.ts';
import { InvalidInputError } from '../client/index.ts';
import { readWorkers } from './read-workers.ts';
import type { WorkerRow } from './read-workers.ts';

/**
 * The one worker `workerId` names, within the project and pool when given. Throws
 * `RefusedError` (`unknown_worker`) when there is none and (`ambiguous_worker`) when the id is
 * enrolled in several pools or projects and the options do not tell which.
 */
export const findWorker = async (
  log: EventLog,
  target: { workerId: string; project?: string; pool?: string },
): Promise<WorkerRow> => {
  const { workerId, project, pool } = target;
  const rows = (
    await readWorkers(log, {
      ...(project === undefined ? {} : { project }),
      ...(pool === undefined ? {} : { pool }),
    })
  ).filter((w) => w.workerId === workerId && (pool === undefined || w.pool === pool));
  const where = [
    ...(project === undefined ? [] : [`project ${project}`]),
    ...(pool === undefined ? [] : [`pool ${pool}`]),
  ].join(', ');
  const [only, ...others] = rows;
  if (only === undefined)
    throw new RefusedError(
      'unknown_worker',
      `no worker ${workerId} enrolled${where === '' ? '' : ` in ${where}`}`,
    );
  if (others.length > 0)
    throw new RefusedError(
      'ambiguous_worker',
      `worker ${workerId} is enrolled in ${rows.map((w) => `${w.project}/${w.pool}`).join(', ')}: ` +
        'say which with --project and --pool',
    );
  return only;
};

/**
 * Drains a worker: appends `worker.draining` on its report subject, as the worker itself does
 * when it drains. Its pool's dispatcher then gives it no new work and answers its next claim
 * `worker_draining`, upon which the worker finishes what it holds and leaves. Only an active
 * worker drains. Throws `InvalidInputError` for invalid names and `RefusedError`
 * (`unknown_worker`, `ambiguous_worker`, `worker_not_active`) when there is nothing to drain.
 */
export const drainWorker = async (
  log: EventLog,
  target: { workerId: string; project?: string; pool?: string },
): Promise<{ seq: number; worker: WorkerRow }> => {
  const w = await findWorker(log, target);
  if (w.status !== 'active')
    throw new RefusedError('worker_not_active', `worker ${w.workerId} is ${w.status}`);
  const parsed = WorkerDraining.safeParse({
    type: 'worker.draining',
    data: { workerId: w.workerId, project: w.project, pool: w.pool },
    meta: { at: Date.now() },
  });
  if (!parsed.success)
    throw InvalidInputError.fromZod(parsed.error, { what: 'invalid drain', skip: 1 });
  const subject = log.subjects.report(
    w.project as ProjectId,
    w.pool as PoolId,
    w.workerId as WorkerId,
  );
  const { seq } = await log.append(subject, parsed.data);
  return { seq, worker: w };
};
