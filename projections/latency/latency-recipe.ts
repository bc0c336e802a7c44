import { isReadable } from '../../events/index.ts';
import type { JudgedItem } from '../fold-item.ts';
import { emptyHistogram, record } from './histogram.ts';
import type { LatencyGroup, LatencyState } from './state.ts';

const ENDED = new Set(['completed', 'failed', 'cancelled', 'dead_lettered', 'timed_out']);

const groupOf = (s: LatencyState, project: string, pool: string): LatencyGroup =>
  (s.groups[`${project}|${pool}`] ??= {
    project,
    pool,
    submitToAssign: emptyHistogram(),
    assignToComplete: emptyHistogram(),
  });

/**
 * The latency fold, on stream timestamps (whole milliseconds, the server's clock): submit →
 * first assignment, and assignment → completion of the same attempt, per project and pool.
 * Only events the dispatcher accepted count; a retried task's later waits are not
 * submit→assign (its clock started at submission), but each attempt that completes counts
 * assign→complete.
 */
export const latencyRecipe = (s: LatencyState, item: JudgedItem): void => {
  const { entry } = item;
  if (!isReadable(entry)) return;
  entry.events.forEach((e, i) => {
    const v = item.verdicts[i];
    if (v?.kind !== 'applied' || !('taskId' in e.data)) return;
    const { project, pool, taskId } = e.data;
    const key = `${pool}|${project}|${taskId}`;
    switch (e.type) {
      case 'task.submitted':
        s.live[key] = { submittedAt: entry.at, assignedAt: null };
        break;
      case 'task.assigned': {
        const live = (s.live[key] ??= { submittedAt: null, assignedAt: null });
        if (e.data.attempt === 1 && live.submittedAt !== null)
          record(groupOf(s, project, pool).submitToAssign, entry.at - live.submittedAt);
        live.assignedAt = entry.at;
        break;
      }
      case 'task.completed': {
        const assignedAt = s.live[key]?.assignedAt;
        if (assignedAt !== undefined && assignedAt !== null)
          record(groupOf(s, project, pool).assignToComplete, entry.at - assignedAt);
        break;
      }
      default:
        break;
    }
    if (v.to !== undefined && ENDED.has(v.to)) delete s.live[key];
  });
};
