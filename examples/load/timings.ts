import { isReadable } from '../../events/index.ts';
import type { WorkerId } from '../../events/index.ts';
import type { TailItem } from '../../log/index.ts';

/**
 * Submission, first assignment and first completion times per task, and every assignment,
 * from the stream.
 */
export const timings = (items: readonly TailItem[]) => {
  const submitted = new Map<string, number>();
  const started = new Map<string, number>();
  const completed = new Map<string, { at: number; workerId: WorkerId }>();
  const assigned = new Map<string, { workerId: WorkerId; attempt: number }[]>();
  for (const { entry } of items) {
    if (!isReadable(entry)) continue;
    for (const e of entry.events) {
      if (e.type !== 'task.submitted' && e.type !== 'task.assigned' && e.type !== 'task.completed')
        continue;
      const key = `${e.data.project}/${e.data.taskId}`;
      if (e.type === 'task.submitted' && !submitted.has(key)) submitted.set(key, entry.at);
      if (e.type === 'task.assigned') {
        if (!started.has(key)) started.set(key, entry.at);
        const { workerId, attempt } = e.data;
        assigned.set(key, [...(assigned.get(key) ?? []), { workerId, attempt }]);
      }
      if (e.type === 'task.completed' && !completed.has(key))
        completed.set(key, { at: entry.at, workerId: e.data.workerId });
    }
  }
  return { submitted, started, completed, assigned };
};
