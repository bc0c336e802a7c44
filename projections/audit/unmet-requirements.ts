import type { Labels, LabelConstraint, Requirements, Runtime } from '../../events/index.ts';
import { labelHolds } from './label-holds.ts';

/** What an audit knows of a task's demands. */
export interface TaskDemand {
  readonly pool: string;
  readonly requirements: Requirements;
  readonly timeoutMs: number;
}

/** What an audit knows of a worker's offer, as its enrollment stated it. */
export interface WorkerOffer {
  readonly pool: string;
  readonly models: readonly string[];
  readonly labels: Labels;
  readonly exclusive: readonly string[];
  readonly runtime: Runtime;
}

/** Constraint operators that ask for a label, and so may take a worker's exclusive label. */
const ASKING: ReadonlySet<LabelConstraint['op']> = new Set([
  'eq',
  'in',
  'exists',
  'gt',
  'gte',
  'lt',
  'lte',
]);

const show = (c: LabelConstraint): string =>
  'values' in c
    ? `${c.key} ${c.op} [${c.values.map(String).join(', ')}]`
    : 'value' in c
      ? `${c.key} ${c.op} ${String(c.value)}`
      : `${c.key} ${c.op}`;

/**
 * Every hard requirement of a task that a worker's enrollment does not meet, in words: the
 * pool; one of the task's models served; every label constraint; an acceptable runtime; the
 * task's timeout within the runtime's maximum duration; its memory within the runtime's; and
 * each of the worker's exclusive labels asked for by a positive constraint. The project is
 * checked separately (a cross-project assignment is a violation of its own).
 */
export const unmetRequirements = (task: TaskDemand, worker: WorkerOffer): string[] => {
  const out: string[] = [];
  const r = task.requirements;
  if (task.pool !== worker.pool) out.push(`worker is in pool ${worker.pool}, task in ${task.pool}`);
  if (r.models !== undefined && !r.models.some((m) => worker.models.includes(m)))
    out.push(`serves none of the models ${r.models.join(', ')}`);
  for (const c of r.labels) if (!labelHolds(c, worker.labels)) out.push(`label ${show(c)}`);
  if (r.runtimes !== undefined && !r.runtimes.includes(worker.runtime.kind))
    out.push(`runtime ${worker.runtime.kind} is none of ${r.runtimes.join(', ')}`);
  const maxDuration = worker.runtime.maxDurationMs;
  if (maxDuration !== undefined && task.timeoutMs > maxDuration)
    out.push(`timeout ${task.timeoutMs} ms exceeds the runtime's ${maxDuration} ms`);
  const memory = worker.runtime.memoryMb;
  if (r.memoryMb !== undefined && memory !== undefined && r.memoryMb > memory)
    out.push(`needs ${r.memoryMb} MB, the runtime offers ${memory} MB`);
  for (const key of worker.exclusive)
    if (!r.labels.some((c) => c.key === key && ASKING.has(c.op)))
      out.push(`exclusive label ${key} not asked for`);
  return out;
};
