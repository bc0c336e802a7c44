import type { LabelConstraint, LabelValue } from '../../events/index.ts';

/** A decimal number written as text, e.g. `80`, `-1.5`, `.5`, `2e3` (surrounding spaces allowed). */
const DECIMAL = /^\s*-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;

/** The label as a number when it is one (or is numeric text); otherwise nothing. */
const numeric = (v: LabelValue): number | undefined => {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && DECIMAL.test(v)) return Number(v);
  return undefined;
};

/** Label values compare as text, so `80` equals `"80"` and `true` equals `"true"`. */
const same = (a: LabelValue, b: LabelValue): boolean => String(a) === String(b);

/**
 * Whether one hard label constraint holds against a worker's labels, as `events/labels.ts`
 * defines it. The audit's own evaluation: it shares no code with the dispatcher's matching.
 */
export const labelHolds = (
  c: LabelConstraint,
  labels: Readonly<Record<string, LabelValue>>,
): boolean => {
  // Own keys only: a label named `toString` is absent unless the worker set it.
  const value = Object.hasOwn(labels, c.key) ? labels[c.key] : undefined;
  switch (c.op) {
    case 'exists':
      return value !== undefined;
    case 'notExists':
      return value === undefined;
    case 'eq':
      return value !== undefined && same(value, c.value);
    case 'neq':
      return value === undefined || !same(value, c.value);
    case 'in':
      return value !== undefined && c.values.some((x) => same(value, x));
    case 'notIn':
      return value === undefined || c.values.every((x) => !same(value, x));
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const n = value === undefined ? undefined : numeric(value);
      if (n === undefined) return false;
      return c.op === 'gt'
        ? n > c.value
        : c.op === 'gte'
          ? n >= c.value
          : c.op === 'lt'
            ? n < c.value
            : n <= c.value;
    }
    default: {
      const never: never = c;
      return never;
    }
  }
};
