import type { EventOf } from '../../events/index.ts';
import { bodyDigest, differingFields, liveBody } from './submission-body.ts';
import { taskKey } from './state.ts';
import type { DispatchState } from './state.ts';
import { refuse } from './verdict.ts';
import type { Verdict } from './verdict.ts';

/**
 * A submission of an id that exists: with the same body, a no-op that says so (`duplicate`: a
 * producer retrying its publish); with another, refused as a `conflict` naming what differs.
 * Either way the latest is remembered for the task's producer (the status reply's
 * `resubmitted`). An ended task that left for the ended index kept no body to compare: its
 * resubmission is a `duplicate` that says so.
 */
export const foldResubmission = (
  s: DispatchState,
  d: EventOf<'task.submitted'>['data'],
  seq: number,
): Verdict & { kind: 'refused' } => {
  const key = taskKey(d.project, d.taskId);
  const task = s.tasks.get(key);
  const kept = s.digests[key];
  let verdict: Verdict & { kind: 'refused' };
  if (task !== undefined && (task.status === 'queued' || task.status === 'assigned')) {
    const diff = differingFields(liveBody(s, task), d);
    verdict =
      diff.length === 0
        ? refuse('duplicate', `task ${d.taskId} exists with the same body: nothing to do`)
        : refuse(
            'conflict',
            `task ${d.taskId} exists with another body (${diff.join(', ')} differ): refused`,
          );
  } else if (kept !== undefined)
    verdict =
      kept === bodyDigest(d)
        ? refuse('duplicate', `task ${d.taskId} exists with the same body: nothing to do`)
        : refuse('conflict', `task ${d.taskId} exists with another body: refused`);
  else
    verdict = refuse(
      'duplicate',
      `task ${d.taskId} exists (ended; its body is no longer kept to compare): nothing done`,
    );
  delete s.resubmissions[key]; // the latest goes last, so the oldest are forgotten first
  s.resubmissions[key] = { seq, reason: verdict.reason, detail: verdict.detail };
  const all = Object.keys(s.resubmissions);
  for (const k of all.slice(0, Math.max(0, all.length - s.config.refusedTasksKept)))
    delete s.resubmissions[k];
  return verdict;
};
