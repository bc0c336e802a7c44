/** Sizes, budgets and fixed ids of the matching micro-benchmark (`bench/matching.ts`). */
import type { PoolId, ProjectId } from '../../events/index.ts';

export const SEED = 0xf1ee7;
export const SMALL = 100;
export const LARGE = 10_000;
export const CAPABILITY_SIGNATURES = 50;
export const DEMAND_SIGNATURES = 20;
export const QUEUED_TASKS = 2_000;
export const FOLD_EVENTS = 10_000;
export const FOLD_WORKERS = 500;
export const ROUNDS = 7;
/** Target wall time of one timed round of a matching measurement. */
export const ROUND_NS = 120_000_000;
/** Wall time spent warming each (measurement, pool) pair before timing. */
export const WARMUP_NS = 250_000_000;
/** Upper bound for all rounds of one exact fold. */
export const FOLD_BUDGET_NS = 5_000_000_000;
/** Rounds of the sampled estimate of the per-entry immer fold. */
export const FOLD_ROUNDS_ESTIMATED = 5;
/** `--exact`: also fold the whole history with one immer `produce` per entry (takes minutes). */
export const EXACT = process.argv.includes('--exact');
/** Random inputs precomputed per pool; a power of two, so `i & (SAMPLES - 1)` wraps. */
export const SAMPLES = 4096;

export const POOL = 'gpu' as PoolId;
export const PROJECTS = ['health-prod', 'fin-prod', 'retail-dev'] as ProjectId[];
export const BASE_TIME = 1_700_000_000_000;
