import { LabelConstraint } from '../events/index.ts';
import { InvalidInputError } from '../client/invalid-input-error.ts';
import { CONSTRAINT_FORMS } from './constraint-forms.ts';

const KEY = '([A-Za-z0-9][A-Za-z0-9._/-]*)';
const NOT_EXISTS = new RegExp(`^!\\s*${KEY}$`);
const EXISTS = new RegExp(`^${KEY}\\s+exists$`);
const IN = new RegExp(`^${KEY}\\s+(in|notin|not\\s+in)\\s+(.+)$`);
const COMPARE = new RegExp(`^${KEY}\\s*(>=|<=|!=|==|=|>|<)\\s*(.*)$`);
const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export { CONSTRAINT_FORMS };

/** Characters an operator is made of: a value starting with one is a mistyped operator. */
const OPERATOR_START = /^[=<>!~]/;
/** What a value may not hold: a list's separators, or a space (`k in a, b` is two values). */
const NOT_IN_VALUE = /[\s,|]/;

/**
 * Parses a label constraint as written on the command line, strictly: `k=v` (eq), `k!=v` (neq),
 * `k>=n` `k>n` `k<=n` `k<n` (numeric), `k in a|b` (in), `k not in a|b` (notIn), `k exists`,
 * and `!k` (notExists); a value holds no space, comma or `|`, and does not start with an
 * operator's character (`vram => 40` is a typo, not equality to "> 40"). Throws
 * `InvalidInputError` naming `flag`, with the grammar, for anything else.
 */
export const parseConstraint = (text: string, flag = '--require'): LabelConstraint => {
  const t = text.trim();
  const bad = (why: string) =>
    new InvalidInputError(flag, `${flag} "${text}": ${why}; a constraint is ${CONSTRAINT_FORMS}`);
  const parsed = LabelConstraint.safeParse(toRaw(t, bad));
  if (!parsed.success) throw bad(parsed.error.issues[0]?.message ?? 'invalid');
  return parsed.data;
};

const toRaw = (t: string, bad: (why: string) => InvalidInputError): unknown => {
  let m = NOT_EXISTS.exec(t);
  if (m !== null) return { key: m[1], op: 'notExists' };
  m = EXISTS.exec(t);
  if (m !== null) return { key: m[1], op: 'exists' };
  m = IN.exec(t);
  if (m !== null) {
    const values = (m[3] ?? '').split('|').map((v) => v.trim());
    if (values.some((v) => v === '')) throw bad('a list is values separated by |, none empty');
    const odd = values.find((v) => NOT_IN_VALUE.test(v));
    if (odd !== undefined)
      throw bad(`"${odd}" is not one value: separate a list's values with | (k in a|b)`);
    return { key: m[1], op: m[2] === 'in' ? 'in' : 'notIn', values };
  }
  m = COMPARE.exec(t);
  if (m === null) throw bad('not a constraint');
  const [, key, op = '', value = ''] = m;
  if (value === '') throw bad(`no value after "${op}"`);
  if (OPERATOR_START.test(value))
    throw bad(`"${op}${/^[=<>!~]+/.exec(value)?.[0] ?? ''}" is not an operator`);
  if (op === '=' || op === '==' || op === '!=') {
    if (NOT_IN_VALUE.test(value))
      throw bad(`"${value}" is not one value (for any of several, write "k in a|b")`);
    return { key, op: op === '!=' ? 'neq' : 'eq', value };
  }
  if (!NUMBER.test(value)) throw bad(`"${op}" compares numbers, and "${value}" is not one`);
  const ops = { '>=': 'gte', '>': 'gt', '<=': 'lte', '<': 'lt' } as const;
  return { key, op: ops[op as keyof typeof ops], value: Number(value) };
};
