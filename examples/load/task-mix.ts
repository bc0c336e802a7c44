import type { TaskInput } from '../../client/index.ts';
import type { ProjectId } from '../../events/index.ts';
import { unit } from './fate.ts';
import { CPU, GPU, TENANTS } from './fleet-spec.ts';

/** What tasks ask for per pool; a list means any of those models will do. */
const DEMANDS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  [GPU]: [['llama3-70b'], ['mixtral-8x7b'], ['llama3-70b', 'mixtral-8x7b'], ['llama3-8b']],
  [CPU]: [['mistral-7b'], ['phi-3'], ['mistral-7b', 'phi-3'], ['gemma-2b']],
};
const PRIORITIES = [0, 0, 0, 0, 5, 10, -5] as const;
const PAYLOAD_BYTES = [64, 64, 512, 2_048, 8_192, 24_576] as const;

/** `count` tasks over the tenants and pools, with models, priorities and sizes from `seed`. */
export const taskMix = (count: number, seed: string): TaskInput[] =>
  Array.from({ length: count }, (_, i) => {
    const project = TENANTS[i % TENANTS.length] ?? ('health-prod' as ProjectId);
    const pool = unit(`${seed}pool${i}`) < 0.6 ? GPU : CPU;
    const demands = DEMANDS[pool] ?? [];
    const models = demands[Math.floor(unit(`${seed}m${i}`) * demands.length)] ?? ['llama3-70b'];
    const bytes = PAYLOAD_BYTES[Math.floor(unit(`${seed}b${i}`) * PAYLOAD_BYTES.length)] ?? 64;
    const priority = PRIORITIES[Math.floor(unit(`${seed}p${i}`) * PRIORITIES.length)] ?? 0;
    return {
      taskId: `t${String(i).padStart(5, '0')}`,
      project,
      pool,
      priority,
      requirements: { models: [...models] },
      payload: { prompt: 'x'.repeat(bytes), bytes },
      maxAttempts: 3,
      timeoutMs: 30_000,
    };
  });
