import { ProgressLimits } from '../../events/index.ts';
import type { EventOf } from '../../events/index.ts';
import type { LogPosition } from './log-position.ts';
import { taskKey } from './state.ts';
import type { DispatchState } from './state.ts';
import { applied, refuse } from './verdict.ts';
import type { Verdict } from './verdict.ts';

/** The latest progress of a running attempt, as its worker reported it. */
export interface Progress {
  readonly attempt: number;
  readonly done?: number;
  readonly total?: number;
  readonly message?: string;
  /** The last `ProgressLimits.keptOutput` characters of the partial output, and how many in all. */
  readonly outputTail?: string;
  readonly outputChars?: number;
  /** Stream time and sequence of the report. */
  readonly at: number;
  readonly seq: number;
}

/**
 * `task.progress`: the worker holding a running attempt says how far it got. The fold keeps the
 * latest `done`, `total` and `message` of the current attempt (partial output stays in the
 * stream); it goes when the attempt ends. Refused: a report of an attempt that is not current or
 * not the reporting worker's (the subject's worker is the event's: the codec checks), and one
 * sooner than `ProgressLimits.minIntervalMs` of stream time after the last one taken, so a
 * chatty or hostile worker costs the state nothing but a count.
 */
export const foldProgress = (
  s: DispatchState,
  e: EventOf<'task.progress'>,
  entry: LogPosition,
): Verdict => {
  const d = e.data;
  const key = taskKey(d.project, d.taskId);
  const task = s.tasks.get(key);
  if (task === undefined)
    return refuse('unknown_task', `no task ${d.taskId} in project ${d.project}`);
  if (task.demand.pool !== d.pool)
    return refuse('wrong_pool', `task ${d.taskId} is in pool ${task.demand.pool}`);
  if (task.status !== 'assigned') return refuse('task_not_assigned', `task is ${task.status}`);
  if (task.attempt !== d.attempt)
    return refuse('stale_attempt', `current attempt is ${task.attempt}, not ${d.attempt}`);
  if (task.workerId !== d.workerId)
    return refuse('not_holder', `attempt ${task.attempt} is held by ${task.workerId}`);
  const last = s.progress[key];
  if (last !== undefined && last.attempt === d.attempt) {
    const since = entry.at - last.at;
    if (since < ProgressLimits.minIntervalMs)
      return refuse(
        'too_frequent',
        `progress ${since} ms after the last; at most one per ${ProgressLimits.minIntervalMs} ms`,
      );
  }
  const before = last?.attempt === d.attempt ? last : undefined;
  // Output accumulates: the kept tail of it, and the count of all.
  const tail = `${before?.outputTail ?? ''}${d.output ?? ''}`.slice(-ProgressLimits.keptOutput);
  const chars = (before?.outputChars ?? 0) + (d.output?.length ?? 0);
  // A report names what changed: what it leaves out stays as the attempt last said.
  const done = d.done ?? before?.done;
  const total = d.total ?? before?.total;
  const message = d.message ?? before?.message;
  s.progress[key] = {
    attempt: d.attempt,
    ...(done === undefined ? {} : { done }),
    ...(total === undefined ? {} : { total }),
    ...(message === undefined ? {} : { message }),
    ...(chars === 0 ? {} : { outputTail: tail, outputChars: chars }),
    at: entry.at,
    seq: entry.seq,
  };
  return applied;
};

/** An attempt ended (reported, abandoned, cancelled): its progress goes with it. */
export const forgetProgress = (s: DispatchState, key: string): void => {
  delete s.progress[key];
};
