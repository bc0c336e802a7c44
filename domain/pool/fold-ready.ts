import type { EventOf } from '../../events/index.ts';
import { activate } from './fair-share.ts';
import { readyTooEarly } from './fold-not-before.ts';
import type { LogPosition } from './log-position.ts';
import { enqueue } from './queue.ts';
import { taskKey } from './state.ts';
import type { DispatchState, LiveTask } from './state.ts';
import { applied, refuse } from './verdict.ts';
import type { Verdict } from './verdict.ts';

/** Queues a task; a project that had nothing queued re-enters fair share at the clock. */
export const queueTask = (s: DispatchState, task: LiveTask): void => {
  if (s.queues[task.demand.project] === undefined) activate(s.fair, task.demand.project);
  enqueue(s, task);
};

/**
 * `task.ready`: a task waiting out its backoff joins its queue. When the wait is over is the
 * dispatcher's decision (the pool's backoff is its setting, not the log's), so every fold
 * accepts the event whenever it comes, as long as it names the task's next attempt. A
 * producer's `notBefore` is the log's, though: a `task.ready` before it is refused
 * (fold-not-before.ts).
 */
export const foldReady = (
  s: DispatchState,
  e: EventOf<'task.ready'>,
  entry: LogPosition,
): Verdict => {
  const d = e.data;
  const key = taskKey(d.project, d.taskId);
  const task = s.tasks.get(key);
  const delay = s.delayed[key];
  if (task === undefined)
    return refuse('unknown_task', `no task ${d.taskId} in project ${d.project}`);
  if (task.demand.pool !== d.pool)
    return refuse('wrong_pool', `task ${d.taskId} is in pool ${task.demand.pool}`);
  if (task.status !== 'queued' || delay === undefined)
    return refuse('not_delayed', `task is ${task.status} and waits for no backoff`);
  if (d.attempt !== task.attempts + 1)
    return refuse('stale_attempt', `next attempt is ${task.attempts + 1}, not ${d.attempt}`);
  const early = readyTooEarly(s, delay, entry.at);
  if (early.kind === 'refused') return early;
  delete s.delayed[key];
  queueTask(s, task);
  return applied;
};
