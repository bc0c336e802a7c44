import type { EventOf } from '../../events/index.ts';
import type { DispatchState } from './state.ts';

/** Most tasks one liveness check readies: a burst of due retries spreads over a few checks. */
export const READY_PER_CHECK = 1000;

/** `task.ready` for each task whose backoff is over at `now`, oldest wait first. */
export const readyTasks = (s: DispatchState, now: number): EventOf<'task.ready'>[] => {
  const due: { key: string; readyAt: number }[] = [];
  for (const [key, delay] of Object.entries(s.delayed))
    if (delay.readyAt <= now) due.push({ key, readyAt: delay.readyAt });
  due.sort((a, b) => a.readyAt - b.readyAt);
  const out: EventOf<'task.ready'>[] = [];
  for (const { key } of due.slice(0, READY_PER_CHECK)) {
    const task = s.tasks.get(key);
    if (task?.status !== 'queued') continue;
    out.push({
      type: 'task.ready',
      data: {
        taskId: task.id,
        project: task.demand.project,
        pool: task.demand.pool,
        attempt: task.attempts + 1,
      },
      meta: { at: now },
    });
  }
  return out;
};
