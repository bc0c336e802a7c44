import type { TaskInput } from '../../client/index.ts';
import { CPU, FIN, GPU, HEALTH } from './fleet-spec.ts';

const JOBS: Readonly<Record<string, readonly string[]>> = {
  [HEALTH]: ['summarise-discharge-note', 'transcribe-consult', 'code-icd10'],
  [FIN]: ['extract-invoice', 'score-transaction-risk', 'reconcile-ledger'],
};

/** The task mix: tenants alternate, two in three on the GPU pool. */
export const taskMix = (count: number): TaskInput[] =>
  Array.from({ length: count }, (_, i) => {
    const project = i % 2 === 0 ? HEALTH : FIN;
    const pool = i % 3 === 2 ? CPU : GPU;
    const job = JOBS[project]?.[i % 3] ?? 'job';
    return {
      taskId: `${project === HEALTH ? 'h' : 'f'}${String(i).padStart(3, '0')}`,
      project,
      pool,
      requirements: { models: [pool === GPU ? 'llama3-70b' : 'mistral-7b'] },
      payload: { job, words: 200 + ((i * 37) % 400) },
      timeoutMs: 10_000,
    };
  });
