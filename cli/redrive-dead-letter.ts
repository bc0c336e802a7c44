import { redriveTask } from '../client/index.ts';
import { RefusedError } from '../events/index.ts';
import type { PoolId, ProjectId } from '../events/index.ts';
import type { EventLog } from '../log/index.ts';
import { readDeadLetters } from './read-dead-letters.ts';

/**
 * Redrives one task if it is dead-lettered (its body as submitted, read from the stream), and
 * refuses with `RefusedError('not_dead_lettered')`, storing nothing, when it is not: what the
 * HUD's `redrive` action does.
 */
export const redriveDeadLetter = async (
  log: EventLog,
  ref: { project: string; pool: string; taskId: string; reason?: string },
): Promise<{ seq: number }> => {
  const [letter] = await readDeadLetters(log, {
    project: ref.project as ProjectId,
    pool: ref.pool as PoolId,
    taskIds: [ref.taskId],
  });
  if (letter === undefined)
    throw new RefusedError(
      'not_dead_lettered',
      `task ${ref.taskId} of ${ref.project}/${ref.pool} is not dead-lettered: nothing redriven`,
    );
  return redriveTask(log.nc, letter.submission, {
    root: log.subjects.root,
    ...(ref.reason === undefined ? {} : { reason: ref.reason }),
  });
};
