import type { ProjectId } from '../events/index.ts';

/**
 * Who is looking: an operator sees the whole fleet; a project (tenant) sees only its own
 * workers, tasks, queues, costs, latency and rejections — nothing of other projects, not even
 * counts.
 */
export type Scope = { kind: 'operator' } | { kind: 'project'; project: ProjectId };

/** True when `project` is visible in `scope` (an unknown project only to operators). */
export const inScope = (scope: Scope, project: string | undefined): boolean =>
  scope.kind === 'operator' || project === scope.project;
