import type { LabelConstraint, LabelValue } from '../../events/index.ts';
import type { Capability, Demand } from './state.ts';

/** A hard requirement a worker does not meet, in words an operator can act on. */
export interface Unmet {
  readonly kind:
    'project' | 'pool' | 'model' | 'label' | 'runtime' | 'duration' | 'memory' | 'exclusive';
  readonly detail: string;
}

const NUMERIC = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

const asNumber = (v: LabelValue): number | undefined => {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && NUMERIC.test(v.trim())) return Number(v);
  return undefined;
};

/** True when the constraint holds against a worker's labels. */
export const labelHolds = (
  c: LabelConstraint,
  labels: Readonly<Record<string, LabelValue>>,
): boolean => {
  // Own keys only: a label named `constructor` must not find Object.prototype's.
  const has = Object.hasOwn(labels, c.key);
  const v = has ? labels[c.key] : undefined;
  switch (c.op) {
    case 'eq':
      return v !== undefined && String(v) === String(c.value);
    case 'neq':
      return v === undefined || String(v) !== String(c.value);
    case 'in':
      return v !== undefined && c.values.some((x) => String(x) === String(v));
    case 'notIn':
      return v === undefined || !c.values.some((x) => String(x) === String(v));
    case 'exists':
      return has;
    case 'notExists':
      return !has;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const n = v === undefined ? undefined : asNumber(v);
      if (n === undefined) return false;
      if (c.op === 'gt') return n > c.value;
      if (c.op === 'gte') return n >= c.value;
      if (c.op === 'lt') return n < c.value;
      return n <= c.value;
    }
    default: {
      const never: never = c;
      return never;
    }
  }
};

/** Constraint ops that ask for a label (and so may take a worker's exclusive label). */
const ASKS_FOR = new Set(['eq', 'in', 'exists', 'gt', 'gte', 'lt', 'lte']);

const describe = (c: LabelConstraint): string => {
  if ('values' in c) return `${c.key} ${c.op} [${c.values.map(String).join(', ')}]`;
  if ('value' in c) return `${c.key} ${c.op} ${String(c.value)}`;
  return `${c.key} ${c.op}`;
};

/**
 * Every hard requirement of `demand` that `cap` does not meet, in a fixed order (project,
 * pool, model, labels, runtime, duration, memory, exclusive labels). Empty means eligible
 * as far as capabilities go; status and free capacity are checked separately.
 */
export const unmetRequirements = (demand: Demand, cap: Capability): Unmet[] => {
  const out: Unmet[] = [];
  const r = demand.requirements;
  if (demand.project !== cap.project)
    out.push({ kind: 'project', detail: `worker is of project ${cap.project}` });
  if (demand.pool !== cap.pool) out.push({ kind: 'pool', detail: `worker is in pool ${cap.pool}` });
  if (r.models !== undefined && !r.models.some((m) => cap.models.includes(m)))
    out.push({ kind: 'model', detail: `serves none of ${r.models.join(', ')}` });
  for (const c of r.labels)
    if (!labelHolds(c, cap.labels)) out.push({ kind: 'label', detail: describe(c) });
  if (r.runtimes !== undefined && !r.runtimes.includes(cap.runtime.kind))
    out.push({ kind: 'runtime', detail: `runtime is none of ${r.runtimes.join(', ')}` });
  if (cap.runtime.maxDurationMs !== undefined && demand.timeoutMs > cap.runtime.maxDurationMs)
    out.push({
      kind: 'duration',
      detail: `timeout ${demand.timeoutMs} ms exceeds the runtime's ${cap.runtime.maxDurationMs} ms`,
    });
  if (
    r.memoryMb !== undefined &&
    cap.runtime.memoryMb !== undefined &&
    r.memoryMb > cap.runtime.memoryMb
  )
    out.push({
      kind: 'memory',
      detail: `needs ${r.memoryMb} MB, runtime offers ${cap.runtime.memoryMb} MB`,
    });
  for (const key of cap.exclusive)
    if (!r.labels.some((c) => c.key === key && ASKS_FOR.has(c.op)))
      out.push({
        kind: 'exclusive',
        detail: `worker reserves label ${key} for tasks that ask for it`,
      });
  return out;
};
