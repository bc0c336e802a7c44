import type { PoolId, ProjectId, RuntimeKind } from '../../events/index.ts';

export const TENANTS = ['health-prod', 'fin-prod', 'media-prod'] as ProjectId[];
export const GPU = 'gpu' as PoolId;
export const CPU = 'cpu' as PoolId;
export const POOLS = [GPU, CPU] as const;

/** One worker of a tenant's fleet. */
export interface WorkerSpec {
  readonly pool: PoolId;
  readonly models: readonly string[];
  readonly runtime: RuntimeKind;
  readonly capacity: number;
}

/** Each tenant's eight workers: four per pool, overlapping model sets, every runtime. */
export const FLEET: readonly WorkerSpec[] = [
  { pool: GPU, models: ['llama3-70b', 'mixtral-8x7b'], runtime: 'kubernetes', capacity: 4 },
  { pool: GPU, models: ['llama3-70b'], runtime: 'docker', capacity: 3 },
  { pool: GPU, models: ['mixtral-8x7b', 'llama3-70b'], runtime: 'process', capacity: 3 },
  { pool: GPU, models: ['llama3-8b', 'llama3-70b'], runtime: 'lambda', capacity: 2 },
  { pool: CPU, models: ['mistral-7b', 'phi-3'], runtime: 'process', capacity: 4 },
  { pool: CPU, models: ['phi-3'], runtime: 'docker', capacity: 3 },
  { pool: CPU, models: ['mistral-7b'], runtime: 'lambda', capacity: 2 },
  { pool: CPU, models: ['mistral-7b', 'phi-3', 'gemma-2b'], runtime: 'kubernetes', capacity: 4 },
];
/**
 * Workers that may be killed midway: every model they serve is served by another worker of
 * their tenant and pool too (the lambda GPU worker alone serves llama3-8b, the kubernetes
 * CPU worker alone gemma-2b), so what they held can always run elsewhere.
 */
export const KILLABLE = new Set([0, 1, 2, 4, 5, 6]);
