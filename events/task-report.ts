import { z } from 'zod';
import type { FleetEvent } from './fleet-event.ts';
import { TaskFailed } from './task-events.ts';
import { Usage } from './usage.ts';

/**
 * What the report that ended a task said: a completion's output and usage, or a failure's
 * error and usage; for a task a deadline ended, an error whose code is the deadline's kind. Empty when the message that ended the task is no report of it (the last
 * lease of a task ran out, say).
 */
export const TaskReport = z
  .object({
    output: z.json().optional(),
    usage: Usage.optional(),
    error: TaskFailed.shape.data.shape.error.optional(),
  })
  .strict();
export type TaskReport = z.infer<typeof TaskReport>;

/**
 * The report of one task among the events of a stored message: the first `task.completed` or
 * `task.failed` whose project, pool and task id are the task's; undefined when none is. Whoever
 * reads a report by sequence checks it this way, so a sequence never yields another project's
 * output.
 */
export const taskReportOf = (
  events: readonly FleetEvent[],
  task: { readonly project: string; readonly pool: string; readonly taskId: string },
): TaskReport | undefined => {
  for (const e of events) {
    if (e.type !== 'task.completed' && e.type !== 'task.failed' && e.type !== 'task.timed_out')
      continue;
    const d = e.data;
    if (d.project !== task.project || d.pool !== task.pool || d.taskId !== task.taskId) continue;
    // A deadline that ended the task: its kind is the error's code.
    if (e.type === 'task.timed_out') {
      const kind = e.data.deadline;
      return { error: { code: kind, message: `the task's ${kind} deadline ran out` } };
    }
    if (e.type === 'task.failed') return { error: e.data.error, usage: e.data.usage };
    return {
      ...(e.data.output === undefined ? {} : { output: e.data.output }),
      usage: e.data.usage,
    };
  }
  return undefined;
};
