import type { Assignment } from '../../events/index.ts';
import {
  contextOf,
  fleetAttributes,
  startSpan,
  traceparentOf,
  UNTRACED,
} from '../../telemetry/trace-context.ts';
import { trace } from '@opentelemetry/api';
import type { TaskTraces } from './task-traces.ts';

/**
 * One `fleet.assign` span per assignment of a claim reply, each the child of its task's
 * submission, and the `traceparent` of each, in the reply's order (`-` for an untraced one);
 * undefined when none is traced, so an untraced reply carries no header.
 */
export const assignmentTraces = (
  traces: TaskTraces,
  workerId: string,
  assignments: readonly Assignment[],
): string[] | undefined => {
  const out = assignments.map((a) => {
    const parent = contextOf(traces.of(a.project, a.taskId));
    const span = startSpan('fleet.assign', {
      kind: 'producer',
      parent,
      attributes: fleetAttributes({ ...a, workerId }),
    });
    span.end();
    const tp = traceparentOf(trace.setSpan(parent, span));
    return tp ?? UNTRACED;
  });
  return out.every((t) => t === UNTRACED) ? undefined : out;
};
