/**
 * The steps of a random history for the audit's differential test: enrollments, submissions,
 * claims the dispatcher serves, reports, forged reports and assignments, cancellations, worker
 * lifecycle events and liveness checks, over a small world of two projects and one pool.
 */
import fc from 'fast-check';
import { subjects } from '../../events/index.ts';
import type { LabelConstraint, PoolId, ProjectId } from '../../events/index.ts';

export const POOL = 'gpu' as PoolId;
export const PROJECTS: readonly ProjectId[] = ['health-prod' as ProjectId, 'fin-prod' as ProjectId];
export const projectAt = (i: number): ProjectId => PROJECTS[i % PROJECTS.length] as ProjectId;
export const T0 = 1_700_000_000_000;
export const FAR = 4_102_444_800_000;
export const S = subjects();

export const CONSTRAINTS: LabelConstraint[] = [
  { key: 'gpu', op: 'eq', value: 'a100' },
  { key: 'gpu', op: 'in', values: ['a100', 'h100'] },
  { key: 'gpu', op: 'notIn', values: ['l4'] },
  { key: 'vram', op: 'gte', value: 40 },
  { key: 'vram', op: 'lt', value: 48 },
  { key: 'region', op: 'neq', value: 'us' },
  { key: 'reserved', op: 'exists' },
  { key: 'reserved', op: 'notExists' },
];
export const GPUS = ['a100', 'h100', 'l4'];
export const VRAMS = [24, 40, '80', '48'];

export type Step =
  | {
      k: 'enroll';
      project: number;
      gpu: number;
      vram: number;
      us: boolean;
      reserved: boolean;
      capacity: number;
      llama: boolean;
    }
  | {
      k: 'submit';
      project: number;
      ids: number[];
      constraint: number;
      llama: boolean;
      maxAttempts: number;
    }
  | { k: 'claim'; worker: number; max: number; wrongProject: boolean }
  | { k: 'report'; task: number; outcome: 'completed' | 'retry' | 'fatal' }
  | { k: 'forged_report'; task: number; worker: number; attempt: number; completed: boolean }
  | { k: 'cancel'; task: number }
  | { k: 'lifecycle'; worker: number; to: 'draining' | 'left' | 'revoked' }
  | { k: 'liveness'; advance: number; silent: number }
  | { k: 'forged_assign'; task: number; worker: number; attemptDelta: number };

export const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('enroll' as const),
      project: fc.nat(1),
      gpu: fc.nat(2),
      vram: fc.nat(3),
      us: fc.boolean(),
      reserved: fc.boolean(),
      capacity: fc.integer({ min: 1, max: 3 }),
      llama: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant('submit' as const),
      project: fc.nat(1),
      ids: fc.array(fc.nat(25), { minLength: 1, maxLength: 3 }),
      constraint: fc.nat(CONSTRAINTS.length),
      llama: fc.boolean(),
      maxAttempts: fc.integer({ min: 1, max: 3 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant('claim' as const),
      worker: fc.nat(),
      max: fc.integer({ min: 1, max: 3 }),
      wrongProject: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant('report' as const),
      task: fc.nat(),
      outcome: fc.constantFrom('completed' as const, 'retry' as const, 'fatal' as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('forged_report' as const),
      task: fc.nat(),
      worker: fc.nat(),
      attempt: fc.integer({ min: 1, max: 3 }),
      completed: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('cancel' as const), task: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('lifecycle' as const),
      worker: fc.nat(),
      to: fc.constantFrom('draining' as const, 'left' as const, 'revoked' as const),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('liveness' as const),
      advance: fc.integer({ min: 0, max: 8000 }),
      silent: fc.nat(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant('forged_assign' as const),
      task: fc.nat(),
      worker: fc.nat(),
      attemptDelta: fc.integer({ min: -1, max: 1 }),
    }),
  },
);
