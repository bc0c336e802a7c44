import { subjects } from '../events/index.ts';
import type { ErrorCode, FleetEvent } from '../events/index.ts';
import type { FoldItem } from './fold-item.ts';

/** The subject root of spec logs. */
export const SPEC_ROOT = 'fleet';

/** The subject an event is stored on (its writer's subject). */
export const subjectOf = (e: FleetEvent, root: string = SPEC_ROOT): string => {
  const s = subjects(root);
  switch (e.type) {
    case 'task.submitted':
    case 'task.redriven':
      return s.submit(e.data.project, e.data.pool);
    case 'task.cancelled':
      return s.cancel(e.data.project, e.data.pool);
    case 'task.assigned':
    case 'task.requeued':
    case 'task.ready':
    case 'task.lease_extended':
    case 'task.timed_out':
    case 'task.dead_lettered':
    case 'worker.lost':
      return s.dispatch(e.data.project, e.data.pool);
    case 'claim.rejected':
      return s.rejected(e.data.project, e.data.pool);
    case 'task.completed':
    case 'task.failed':
    case 'task.progress':
    case 'worker.draining':
    case 'worker.left':
      return s.report(e.data.project, e.data.pool, e.data.workerId);
    case 'worker.enrolled':
    case 'worker.revoked':
      return s.member(e.data.project, e.data.pool, e.data.workerId);
    case 'key.issued':
    case 'key.used':
    case 'key.revoked':
      return s.key(e.data.project, e.data.keyId);
    case 'limit.set':
    case 'limit.cleared':
    case 'limit.refused':
      return s.limits(e.data.project, e.data.pool);
    case 'task.over_limit':
      return s.dispatch(e.data.project, e.data.pool);
    case 'retention.point':
    case 'retention.limits':
      return s.retention();
    case 'launch.requested':
    case 'launch.started':
    case 'launch.failed':
      return s.launch(e.data.project, e.data.pool);
    default: {
      const never: never = e;
      return never;
    }
  }
};

/** A stored message the codec refused, for spec logs. */
export interface Unreadable {
  readonly unreadable: { subject: string; code: ErrorCode; project?: string; taskId?: string };
}

/**
 * Numbers events, batches and unreadable messages into stored messages from sequence 1
 * (or `from`), each at stream time `at(seq)` (default `seq * 1000`): a log for projection specs.
 */
export const specLog = (
  items: readonly (FleetEvent | readonly FleetEvent[] | Unreadable)[],
  options: { from?: number; at?: (seq: number) => number } = {},
): FoldItem[] =>
  items.map((item, i) => {
    const seq = (options.from ?? 1) + i;
    const at = options.at?.(seq) ?? seq * 1000;
    if ('unreadable' in item) {
      const { subject, code, project, taskId } = item.unreadable;
      return {
        subject,
        entry: {
          seq,
          at,
          refused: { code, message: `refused: ${code}` },
          ...(project === undefined
            ? {}
            : { about: { project, ...(taskId === undefined ? {} : { taskId }) } }),
        },
      };
    }
    const events: readonly FleetEvent[] = Array.isArray(item) ? item : [item as FleetEvent];
    const first = events[0];
    if (first === undefined) throw new Error('an empty batch');
    return { subject: subjectOf(first), entry: { seq, at, events } };
  });
