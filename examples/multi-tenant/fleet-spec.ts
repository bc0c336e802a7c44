import type { PoolId, ProjectId } from '../../events/index.ts';

export const HEALTH = 'health-prod' as ProjectId;
export const FIN = 'fin-prod' as ProjectId;
export const GPU = 'gpu' as PoolId;
export const CPU = 'cpu' as PoolId;
export const POOLS = [GPU, CPU] as const;

/** The four workers: per tenant one GPU worker and one CPU worker, with the same models. */
export const WORKERS = [
  { project: HEALTH, pool: GPU, models: ['llama3-70b'], usdPer1k: 0.0008 },
  { project: HEALTH, pool: CPU, models: ['mistral-7b'], usdPer1k: 0.0002 },
  { project: FIN, pool: GPU, models: ['llama3-70b'], usdPer1k: 0.0008 },
  { project: FIN, pool: CPU, models: ['mistral-7b', 'phi-3'], usdPer1k: 0.0002 },
] as const;
