import type { Deadlines, FleetEvent } from '../../events/index.ts';
import type { LogPosition } from './log-position.ts';
import { taskKey } from './state.ts';
import type { DispatchState } from './state.ts';

/**
 * A live task's deadlines as stream times (epoch ms), from what it asked (`asked`, kept for
 * its body): `startBy` until its first attempt starts, `closeBy` while an attempt runs, `endBy`
 * until it ends. Only tasks that asked for a deadline have an entry.
 */
export interface TaskDeadlines {
  readonly asked: Deadlines;
  readonly startBy?: number;
  readonly closeBy?: number;
  readonly endBy?: number;
}

/**
 * Keeps `s.deadlines` in step with an event that took effect: a submission or redrive admitted
 * at `at` sets them, an assignment starts the attempt's clock (and ends the wait to start), an
 * attempt that ends stops it, and a task that ends drops them.
 */
export const trackDeadlines = (s: DispatchState, e: FleetEvent, position: LogPosition): void => {
  if (!('taskId' in e.data) || !('project' in e.data)) return;
  const key = taskKey(e.data.project, e.data.taskId);
  const task = s.tasks.get(key);
  if (e.type === 'task.submitted' || e.type === 'task.redriven') {
    const asked = e.data.deadlines;
    // Admitted by this very event (not a duplicate of a live task): its clocks start now.
    if (asked === undefined || task?.status !== 'queued' || task.submittedSeq !== position.seq)
      return;
    const at = position.at;
    s.deadlines[key] = {
      asked,
      ...(asked.scheduleToStartMs === undefined ? {} : { startBy: at + asked.scheduleToStartMs }),
      ...(asked.deadlineAt === undefined ? {} : { endBy: asked.deadlineAt }),
    };
    return;
  }
  const d = s.deadlines[key];
  if (d === undefined) return;
  if (task === undefined || (task.status !== 'queued' && task.status !== 'assigned')) {
    delete s.deadlines[key];
    return;
  }
  const { asked, endBy } = d;
  const keepEnd = endBy === undefined ? {} : { endBy };
  if (task.status === 'assigned' && e.type === 'task.assigned')
    s.deadlines[key] = {
      asked,
      ...keepEnd,
      ...(asked.startToCloseMs === undefined
        ? {}
        : { closeBy: position.at + asked.startToCloseMs }),
    };
  else if (task.status === 'queued' && d.closeBy !== undefined)
    s.deadlines[key] = {
      asked,
      ...(d.startBy === undefined ? {} : { startBy: d.startBy }),
      ...keepEnd,
    };
};
