import type { FleetEvent } from '../../events/index.ts';

/**
 * The event as the audit keeps it: without a submission's payload or a completion's output.
 * They can be large (and sensitive), and an audit of millions of tasks must not hold them all.
 */
export const slimEvent = <E extends FleetEvent>(e: E): E => {
  if (e.type === 'task.submitted') return { ...e, data: { ...e.data, payload: null } };
  if (e.type === 'task.completed' && e.data.output !== undefined) {
    const { output: _output, ...data } = e.data;
    return { ...e, data };
  }
  return e;
};
