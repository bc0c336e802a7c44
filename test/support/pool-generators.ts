/** Generators of the steps of a pool history, as plain descriptors a `Run` interprets. */
import fc from 'fast-check';
import type { LabelConstraint, LabelValue } from '../../events/index.ts';
import { MODELS, RUNTIMES, LABELS, LABEL_KEYS, NUMBERS, OPS, pick } from './pool-world.ts';

// ---------------------------------------------------------------------------------------------
// Generators of step descriptors.
// ---------------------------------------------------------------------------------------------

export const constraintArb: fc.Arbitrary<LabelConstraint> = fc
  .tuple(fc.constantFrom(...LABEL_KEYS), fc.nat(), fc.nat(), fc.constantFrom(...OPS))
  .map(([key, i, j, op]): LabelConstraint => {
    const dom = LABELS[key] ?? ['x'];
    const v = pick(dom, i) ?? 'x';
    switch (op) {
      case 'eq':
      case 'neq':
        return { key, op, value: v };
      case 'in':
      case 'notIn':
        return { key, op, values: [v, pick(dom, j) ?? v] };
      case 'exists':
      case 'notExists':
        return { key, op };
      case 'gt':
      case 'gte':
      case 'lt':
      case 'lte':
        return { key, op, value: pick(NUMBERS, i) ?? 1 };
    }
  });

/** Index of a project: two busy ones and a quieter third. */
export const projectArb = fc.constantFrom<number>(0, 0, 1, 1, 2);

export const workerSpecArb = fc.record({
  project: projectArb,
  models: fc.oneof(
    { weight: 3, arbitrary: fc.constant<string[]>([...MODELS]) },
    { weight: 2, arbitrary: fc.subarray<string>([...MODELS]) },
  ),
  labels: fc
    .record(
      {
        gpu: fc.constantFrom('a100', 'h100', 'l4'),
        vram: fc.constantFrom(24, 40, 80, '80', '48'),
        region: fc.constantFrom('eu', 'us'),
        reserved: fc.constantFrom(true, 'yes'),
        tier: fc.constantFrom(1, 2, 3, '2'),
      },
      { requiredKeys: ['gpu', 'vram'] },
    )
    // Absent keys are left out, never undefined; a plain object like a decoded one.
    .map((l): Record<string, LabelValue> => ({ ...l })),
  exclusive: fc.oneof(
    { weight: 12, arbitrary: fc.constant<string[]>([]) },
    { weight: 2, arbitrary: fc.constant<string[]>(['reserved']) },
    { weight: 1, arbitrary: fc.constant<string[]>(['gpu']) },
  ),
  runtime: fc.record(
    {
      kind: fc.constantFrom(...RUNTIMES),
      maxDurationMs: fc.constantFrom(5000, 30_000),
      memoryMb: fc.constantFrom(8000, 32_000, 64_000),
    },
    { requiredKeys: ['kind'] },
  ),
  capacity: fc.integer({ min: 1, max: 3 }),
});
export type WorkerSpec = typeof workerSpecArb extends fc.Arbitrary<infer T> ? T : never;

export const taskSpecArb = fc.record({
  requirements: fc.record(
    {
      models: fc.subarray([...MODELS], { minLength: 1, maxLength: 2 }),
      labels: fc.oneof(
        { weight: 3, arbitrary: fc.constant<LabelConstraint[]>([]) },
        { weight: 3, arbitrary: fc.array(constraintArb, { minLength: 1, maxLength: 2 }) },
      ),
      runtimes: fc.subarray([...RUNTIMES], { minLength: 3 }),
      memoryMb: fc.constantFrom(4000, 16_000, 32_000),
    },
    { requiredKeys: ['labels'] },
  ),
  priority: fc.constantFrom<number>(0, 0, 1, 5, -3),
  maxAttempts: fc.integer({ min: 1, max: 3 }),
  timeoutMs: fc.constantFrom<number>(500, 1500, 4000, 12_000),
});
export type TaskSpec = typeof taskSpecArb extends fc.Arbitrary<infer T> ? T : never;

/** Kinds of adversarial entry; each is built so that it cannot be valid where it lands. */
export const ADVERSARIAL = [
  'assign_cross_project',
  'assign_unmet',
  'assign_inactive_worker',
  'assign_double',
  'assign_wrong_attempt',
  'assign_over_capacity',
  'assign_other_pool',
  'report_cross_project',
  'report_stale_attempt',
  'report_non_holder',
  'report_inactive_holder',
  'report_unassigned',
  'report_other_pool',
  'abandon_unfounded',
  'abandon_stale_attempt',
  'abandon_unassigned',
  'abandon_cross_project',
  'abandon_other_pool',
  'dead_letter_attempts_remain',
  'requeue_last_attempt',
  'submit_duplicate',
  'submit_other_pool',
  'enroll_duplicate',
  'enroll_other_pool',
  'lifecycle_invalid',
  'lifecycle_cross_project',
  'lifecycle_other_pool',
  'lifecycle_unknown',
  'cancel_ended',
  'cancel_cross_project',
  'cancel_unknown',
  'cancel_other_pool',
  'unreadable',
] as const;
export type Adversarial = (typeof ADVERSARIAL)[number];

export type Act =
  | { readonly k: 'enroll'; readonly w: WorkerSpec }
  | { readonly k: 'submit'; readonly p: number; readonly tasks: readonly TaskSpec[] }
  | { readonly k: 'cancel'; readonly i: number }
  | { readonly k: 'life'; readonly to: 'draining' | 'left' | 'revoked'; readonly i: number }
  | {
      readonly k: 'report';
      readonly i: number;
      readonly outcome: 'completed' | 'retryable' | 'fatal';
    }
  | {
      readonly k: 'serve';
      readonly budget: number;
      /** Every active worker claims (a busy round), besides the claims listed. */
      readonly everyone: boolean;
      readonly claims: readonly {
        readonly i: number;
        readonly max: number;
        readonly mode: 'active' | 'any' | 'cross' | 'other_pool' | 'unknown';
      }[];
    }
  | { readonly k: 'live'; readonly seen: readonly (number | null)[]; readonly grace: number }
  | { readonly k: 'far_live' }
  | { readonly k: 'noise'; readonly i: number }
  | {
      readonly k: 'adv';
      readonly kind: Adversarial;
      readonly i: number;
      readonly j: number;
      readonly x: number;
    };
export interface Step {
  readonly dt: number;
  readonly act: Act;
}

export const actArb: fc.Arbitrary<Act> = fc.oneof(
  { weight: 36, arbitrary: fc.record({ k: fc.constant('enroll'), w: workerSpecArb }) },
  {
    weight: 27,
    arbitrary: fc.record({
      k: fc.constant('submit'),
      p: projectArb,
      tasks: fc.array(taskSpecArb, { minLength: 1, maxLength: 4 }),
    }),
  },
  { weight: 6, arbitrary: fc.record({ k: fc.constant('cancel'), i: fc.nat() }) },
  {
    weight: 6,
    arbitrary: fc.record({
      k: fc.constant('life'),
      to: fc.constantFrom('draining', 'left', 'revoked'),
      i: fc.nat(),
    }),
  },
  {
    weight: 12,
    arbitrary: fc.record({
      k: fc.constant('report'),
      i: fc.nat(),
      outcome: fc.constantFrom('completed', 'retryable', 'fatal'),
    }),
  },
  {
    weight: 42,
    arbitrary: fc.record({
      k: fc.constant('serve'),
      budget: fc.integer({ min: 1, max: 6 }),
      everyone: fc.constantFrom(true, true, false),
      claims: fc.array(
        fc.record({
          i: fc.nat(),
          max: fc.integer({ min: 1, max: 3 }),
          mode: fc.constantFrom(
            'active',
            'active',
            'active',
            'active',
            'any',
            'cross',
            'other_pool',
            'unknown',
          ),
        }),
        { maxLength: 5 },
      ),
    }),
  },
  {
    weight: 12,
    arbitrary: fc.record({
      k: fc.constant('live'),
      // Most workers beat recently; a few are silent, or absent and counted from graceFrom.
      seen: fc.array(
        fc.oneof(
          { weight: 12, arbitrary: fc.nat(1500) },
          { weight: 1, arbitrary: fc.integer({ min: 1500, max: 6000 }) },
          { weight: 1, arbitrary: fc.constant(null) },
        ),
        { minLength: 1, maxLength: 8 },
      ),
      grace: fc.oneof({ weight: 4, arbitrary: fc.nat(1800) }, fc.nat(4000)),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('far_live') }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('noise'), i: fc.nat() }) },
  {
    weight: 48,
    arbitrary: fc.record({
      k: fc.constant('adv'),
      kind: fc.constantFrom(...ADVERSARIAL),
      i: fc.nat(),
      j: fc.nat(),
      x: fc.nat(),
    }),
  },
);

/** 20 to 80 steps ('medium' spreads lengths over the whole range; the default stops near 50). */
export const historyArb: fc.Arbitrary<Step[]> = fc.array(
  fc.record({ dt: fc.nat(700), act: actArb }),
  {
    minLength: 20,
    maxLength: 80,
    size: 'medium',
  },
);
