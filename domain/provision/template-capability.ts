import type { Capability } from '../pool/index.ts';
import type { PoolId, ProjectId, RuntimeTemplate } from '../../events/index.ts';

/**
 * What a worker launched from `template` for a project would offer: the template's labels and
 * models (its single-use key fixes them), its runtime and limits, no exclusive label.
 */
export const templateCapability = (
  template: RuntimeTemplate,
  project: ProjectId,
  pool: PoolId,
): Capability => ({
  project,
  pool,
  models: template.models,
  labels: template.labels,
  exclusive: [],
  runtime: template.runtime,
});
