import type { EventOf } from '../../events/index.ts';
import { admitTask } from './admit-task.ts';
import { taskAt } from './ended-index.ts';
import { taskKey } from './state.ts';
import type { DispatchState } from './state.ts';
import { applied, refuse } from './verdict.ts';
import type { Verdict } from './verdict.ts';

/**
 * `task.redriven`: a dead-lettered task runs again, as the event describes it, with a fresh
 * allowance of `maxAttempts` attempts. Attempt numbers go on from its last one: a late report of
 * an attempt before the redrive must never pass for one after it, nor a worker take a new
 * attempt for one it already ran.
 * Only a dead letter may be redriven: any other task (queued, running, completed, failed,
 * cancelled, unknown) is refused and stays as it was. The task leaves the ended records and
 * index, so that when it ends again it is kept like any other.
 */
export const foldRedriven = (
  s: DispatchState,
  e: EventOf<'task.redriven'>,
  seq: number,
): Verdict => {
  const d = e.data;
  if (d.pool !== s.config.pool) return refuse('wrong_pool', `task is for pool ${d.pool}`);
  const key = taskKey(d.project, d.taskId);
  const task = taskAt(s, key);
  if (task === undefined)
    return refuse('unknown_task', `no task ${d.taskId} in project ${d.project}`);
  if (task.status !== 'dead_lettered')
    return refuse('not_dead_lettered', `task ${d.taskId} is ${task.status}, not dead-lettered`);
  delete s.ended[key];
  const i = s.endedOrder.indexOf(task.key);
  if (i >= 0) s.endedOrder.splice(i, 1);
  admitTask(s, { ...d, maxAttempts: task.attempts + d.maxAttempts }, seq, task.attempts);
  return applied;
};
