import type { LabelConstraint } from '../events/index.ts';

/** A label constraint as `fleet submit --require` takes it: `vram>=40`, `zone in eu|us`, `!spot`. */
export const constraintText = (c: LabelConstraint): string => {
  switch (c.op) {
    case 'eq':
      return `${c.key}=${String(c.value)}`;
    case 'neq':
      return `${c.key}!=${String(c.value)}`;
    case 'in':
      return `${c.key} in ${c.values.join('|')}`;
    case 'notIn':
      return `${c.key} not in ${c.values.join('|')}`;
    case 'exists':
      return c.key;
    case 'notExists':
      return `!${c.key}`;
    case 'gt':
      return `${c.key}>${c.value}`;
    case 'gte':
      return `${c.key}>=${c.value}`;
    case 'lt':
      return `${c.key}<${c.value}`;
    case 'lte':
      return `${c.key}<=${c.value}`;
    default: {
      const never: never = c;
      return never;
    }
  }
};
