/** Workers and tasks made from the templates: what both the pools and the history fold. */
import type { EventOf, TaskId, WorkerId } from '../../events/index.ts';
import { pick } from './random.ts';
import { enrollmentTemplates, submissionTemplates } from './templates.ts';

export interface Workload {
  readonly caps: readonly EventOf<'worker.enrolled'>[];
  readonly demands: readonly EventOf<'task.submitted'>[];
  /** Worker `i`: its capability signature cycles through the templates, so does its capacity. */
  readonly enroll: (i: number, at: number) => EventOf<'worker.enrolled'>;
  /** Task `i`: a random demand signature and priority. */
  readonly submit: (i: number, at: number) => EventOf<'task.submitted'>;
}

/** Draws the templates (capabilities first, then demands: the random stream's order). */
export const workload = (): Workload => {
  const caps = enrollmentTemplates();
  const demands = submissionTemplates();
  const enroll = (i: number, at: number): EventOf<'worker.enrolled'> => {
    const tpl = caps[i % caps.length];
    if (tpl === undefined) throw new Error('no capability templates');
    return {
      ...tpl,
      data: { ...tpl.data, workerId: `w${i}` as WorkerId, capacity: 1 + (i % 4) },
      meta: { at },
    };
  };
  const submit = (i: number, at: number): EventOf<'task.submitted'> => {
    const tpl = pick(demands);
    return {
      ...tpl,
      data: { ...tpl.data, taskId: `t${i}` as TaskId, priority: pick([0, 0, 0, 0, 1, 5]) },
      meta: { at },
    };
  };
  return { caps, demands, enroll, submit };
};
