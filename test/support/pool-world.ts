/** The world of the pool property tests: few projects, workers, models and labels, so that collisions happen often. */
import { subjects } from '../../events/index.ts';
import type { LabelValue, PoolId, ProjectId } from '../../events/index.ts';
import type {
  AssignedTask,
  DispatchState,
  TaskState,
  WorkerState,
} from '../../domain/pool/index.ts';

// ---------------------------------------------------------------------------------------------
// The world: few projects, workers, models and labels, so that collisions happen often.
// ---------------------------------------------------------------------------------------------

export const POOL = 'gpu' as PoolId;
export const OTHER_POOL = 'cpu';
export const PROJECTS = ['health-prod', 'fin-prod', 'ops'] as const;
export const MODELS = ['llama', 'mistral', 'qwen'] as const;
export const RUNTIMES = ['process', 'docker', 'kubernetes', 'lambda'] as const;
export const T0 = 1_700_000_000_000;
export const CONFIG = { pool: POOL, heartbeatMs: 1000, missedBeats: 2, clockSkewMs: 1000 } as const;
export const SUBJECTS = subjects();

/** Label keys and the values workers carry; some numeric, some numeric strings, one boolean. */
export const LABELS: Readonly<Record<string, readonly LabelValue[]>> = {
  gpu: ['a100', 'h100', 'l4'],
  vram: [24, 40, 80, '80', '48'],
  region: ['eu', 'us'],
  reserved: [true, 'yes'],
  tier: [1, 2, 3, '2'],
};
export const LABEL_KEYS = Object.keys(LABELS);
export const NUMBERS = [1, 2, 24, 40, 64, 80] as const;
export const OPS = [
  'eq',
  'neq',
  'in',
  'notIn',
  'exists',
  'notExists',
  'gt',
  'gte',
  'lt',
  'lte',
] as const;

export const projectAt = (i: number): ProjectId =>
  (PROJECTS[i % PROJECTS.length] ?? 'ops') as ProjectId;
export const otherProject = (p: string, i: number): ProjectId =>
  (PROJECTS.filter((q) => q !== p)[i % (PROJECTS.length - 1)] ?? 'ops') as ProjectId;
export const pick = <T>(xs: readonly T[], i: number): T | undefined =>
  xs.length === 0 ? undefined : xs[i % xs.length];

export const totalRejections = (s: DispatchState): number =>
  Object.values(s.rejections.byReason).reduce((a, b) => a + b, 0);
/** A state without the two fields a refused entry may change. */
/** A state without the record of refusals (counts, latest refused, latest resubmissions). */
export const strip = (s: DispatchState) => ({
  ...s,
  position: 0,
  rejections: null,
  resubmissions: null,
});

export const isAssigned = (t: TaskState): t is AssignedTask => t.status === 'assigned';
export const isEnded = (t: TaskState): boolean => t.status !== 'queued' && t.status !== 'assigned';
export const live = (w: WorkerState | undefined): boolean =>
  w?.status === 'active' || w?.status === 'draining';

/** Worker statuses each lifecycle event may leave from (mirrors the contract). */
export const FROM = {
  draining: ['active'],
  left: ['active', 'draining'],
  lost: ['active', 'draining'],
  revoked: ['active', 'draining', 'left', 'lost'],
} as const satisfies Record<string, readonly WorkerState['status'][]>;

export const STATUS_OF_REASON = {
  worker_lost: 'lost',
  worker_revoked: 'revoked',
  worker_left: 'left',
} as const;
