/**
 * The small world fuzzed messages live in, so that generated events meet each other often: two
 * projects, the folded pool and another, a few workers, tasks and keys; and the picks of one event.
 */
import fc from 'fast-check';
import { subjects } from '../../../events/index.ts';
import type { EventType } from '../../../events/index.ts';

export const S = subjects();
export const PROJECTS = ['health-prod', 'fin-prod'] as const;
export const POOLS = ['gpu', 'gpu', 'gpu', 'cpu'] as const;
export const WORKERS = ['w1', 'w2', 'w3'] as const;
export const TASKS = ['t1', 't2', 't3', 't4', 't5', 't6'] as const;
export const KEYS = ['k1', 'k2'] as const;
export const MODELS = ['llama', 'mistral'] as const;
export const TYPES: readonly EventType[] = [
  'task.submitted',
  'task.submitted',
  'task.submitted',
  'task.cancelled',
  'task.redriven',
  'task.assigned',
  'task.requeued',
  'task.ready',
  'task.lease_extended',
  'task.timed_out',
  'task.dead_lettered',
  'task.completed',
  'task.completed',
  'task.failed',
  'task.progress',
  'worker.enrolled',
  'worker.enrolled',
  'worker.draining',
  'worker.left',
  'worker.lost',
  'worker.revoked',
  'claim.rejected',
  'key.issued',
  'key.used',
  'key.revoked',
  'retention.point',
  'retention.limits',
  'limit.set',
  'limit.cleared',
  'limit.refused',
  'task.over_limit',
  'launch.requested',
  'launch.started',
  'launch.failed',
];
export const REQUEUE_REASONS = [
  'lease_expired',
  'worker_lost',
  'worker_revoked',
  'worker_left',
] as const;
export const T0 = 1_700_000_000_000;

export const at = <T>(xs: readonly T[], i: number): T => xs[i % xs.length] as T;

/** Picks that make one valid event and its subject. */
export interface EventSpec {
  readonly type: number;
  readonly project: number;
  readonly pool: number;
  readonly worker: number;
  readonly task: number;
  readonly key: number;
  readonly attempt: number;
  readonly n: number;
}

export const eventSpecArb: fc.Arbitrary<EventSpec> = fc.record({
  type: fc.nat(TYPES.length - 1),
  project: fc.nat(7),
  pool: fc.nat(POOLS.length - 1),
  worker: fc.nat(WORKERS.length - 1),
  task: fc.nat(TASKS.length - 1),
  key: fc.nat(KEYS.length - 1),
  attempt: fc.integer({ min: 1, max: 3 }),
  n: fc.nat(1_000),
});
