import type { DeadlineKind, EventOf, FleetEvent } from '../../events/index.ts';
import { taskKey } from './state.ts';
import type { DispatchState } from './state.ts';

/** The deadline of task `key` that has run out at `now`, if any (the overall one first). */
export const deadlineRunOut = (
  s: DispatchState,
  key: string,
  now: number,
): DeadlineKind | undefined => {
  const dl = s.deadlines[key];
  const task = s.tasks.get(key);
  if (dl === undefined || (task?.status !== 'queued' && task?.status !== 'assigned'))
    return undefined;
  if (dl.endBy !== undefined && now >= dl.endBy) return 'deadline';
  if (task.status === 'queued' && dl.startBy !== undefined && now >= dl.startBy)
    return 'schedule_to_start';
  if (task.status === 'assigned' && dl.closeBy !== undefined && now >= dl.closeBy)
    return 'start_to_close';
  return undefined;
};

/**
 * `task.timed_out` for each live task a deadline of which ran out at `now`, but those a
 * decision of the same check (`decided`) already moves.
 */
export const timedOutTasks = (
  s: DispatchState,
  now: number,
  decided: readonly FleetEvent[],
): EventOf<'task.timed_out'>[] => {
  const out: EventOf<'task.timed_out'>[] = [];
  const moved = new Set<string>(
    decided.flatMap((e) => ('taskId' in e.data ? [taskKey(e.data.project, e.data.taskId)] : [])),
  );
  for (const key of Object.keys(s.deadlines)) {
    const deadline = deadlineRunOut(s, key, now);
    const task = s.tasks.get(key);
    if (deadline === undefined || task === undefined || moved.has(key)) continue;
    out.push({
      type: 'task.timed_out',
      data: {
        taskId: task.id,
        project: task.demand.project,
        pool: task.demand.pool,
        attempt: task.attempts,
        deadline,
      },
      meta: { at: now },
    });
  }
  return out;
};
