import type { EventOf, RetryPolicy } from '../../events/index.ts';
import type { DispatchState, LiveTask } from './state.ts';

/** What a submission asks for, beyond its id: two submissions of an id agree when these do. */
type Body = Pick<
  EventOf<'task.submitted'>['data'],
  | 'requirements'
  | 'priority'
  | 'payload'
  | 'maxAttempts'
  | 'timeoutMs'
  | 'retry'
  | 'maxSpend'
  | 'onLimit'
  | 'deadlines'
>;
const FIELDS = [
  'requirements',
  'priority',
  'payload',
  'maxAttempts',
  'timeoutMs',
  'retry',
  'maxSpend',
  'onLimit',
  'deadlines',
] as const;

/** JSON with object keys sorted: equal values give equal text whatever their key order. */
const canonical = (v: unknown): string => {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  // An absent value reads as null (JSON.stringify would give no text at all).
  return v === undefined ? 'null' : JSON.stringify(v);
};

/** cyrb53: a 53-bit hash of a text (a digest, not a secret: collisions are what it must avoid). */
const hash53 = (text: string): number => {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
};

/** A field as text; a `maxSpend` that names no amount is as good as none. */
const fieldText = (body: Body, f: (typeof FIELDS)[number]) => {
  const text = canonical(body[f] ?? null);
  return f === 'maxSpend' && text === '{}' ? 'null' : text;
};

/** The digest of a body: one number per task, kept for ended tasks that lost their payload. */
export const bodyDigest = (body: Body): number =>
  hash53(FIELDS.map((f) => fieldText(body, f)).join('\n'));

/** A live task's body as it was submitted (or redriven). */
export const liveBody = (s: DispatchState, t: LiveTask): Body => {
  const retry: RetryPolicy | undefined = s.retryPolicies[t.key];
  // The limits keep what it declared of its spend (limits-fold.ts `declareSpend`).
  const { onLimit, ...maxSpend } = s.limits.declared[t.key] ?? {};
  const deadlines = s.deadlines[t.key]?.asked;
  return {
    requirements: t.demand.requirements,
    priority: t.priority,
    payload: t.payload as Body['payload'],
    maxAttempts: t.maxAttempts,
    timeoutMs: t.demand.timeoutMs,
    ...(retry === undefined ? {} : { retry }),
    ...(Object.keys(maxSpend).length === 0 ? {} : { maxSpend }),
    ...(onLimit === undefined ? {} : { onLimit }),
    ...(deadlines === undefined ? {} : { deadlines }),
  };
};

/** The fields in which two bodies differ, in the contract's order. */
export const differingFields = (a: Body, b: Body): string[] =>
  FIELDS.filter((f) => fieldText(a, f) !== fieldText(b, f));
