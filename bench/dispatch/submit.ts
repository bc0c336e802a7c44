import type { TaskInput } from '../../client/index.ts';
import type { FleetEventInput, PoolId, ProjectId } from '../../events/index.ts';

/** A no-op task as a producer describes it to the client: it asks for the model `noop`. */
export const noopInput = (
  project: ProjectId,
  pool: PoolId,
  taskId: string,
  payload: Record<string, number> | null = null,
): TaskInput => ({
  taskId,
  project,
  pool,
  requirements: { models: ['noop'], labels: [] },
  payload,
});

/** The same task as the stored event, for publishing without the client. */
export const noopTask = (project: ProjectId, pool: PoolId, taskId: string): FleetEventInput => ({
  type: 'task.submitted',
  data: { taskId, project, pool, requirements: { models: ['noop'], labels: [] }, payload: null },
  meta: { at: Date.now() },
});
