import type { Capability, Demand } from './state.ts';
import { unmetRequirements } from './matching.ts';

/** JSON with object keys sorted, so equal values give equal strings. */
const canonical = (v: unknown): string => {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
};

const sorted = <T>(xs: readonly T[] | undefined): T[] | undefined =>
  xs === undefined ? undefined : [...xs].sort();

const SIGNATURE_MEMO_LIMIT = 10_000;
const signatureMemo = new Map<string, string>();

/** Whether two JSON values are equal, absent and undefined fields alike (as JSON writes them). */
const same = (a: unknown, b: unknown): boolean => {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => same(x, b[i]));
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let fields = 0;
  for (const k of Object.keys(x)) {
    if (x[k] === undefined) continue;
    fields += 1;
    if (!same(x[k], y[k])) return false;
  }
  for (const k of Object.keys(y)) if (y[k] !== undefined) fields -= 1;
  return fields === 0;
};

/** The last demand signed and its signature: a batch's tasks nearly always share one. */
let last: { demand: Demand; signature: string } | undefined;

/**
 * Signature of a demand: tasks with equal signatures are eligible for the same workers.
 * Producers send the same few shapes over and over: the native `JSON.stringify` of a demand
 * keys a memo of its canonical form, which costs far more to build (sorted keys and lists).
 */
export const demandSignature = (d: Demand): string => {
  // Comparing with the last one costs a fifth of writing the memo's key.
  if (last !== undefined && same(d, last.demand)) return last.signature;
  const signature = signatureOf(d);
  last = { demand: d, signature };
  return signature;
};

const signatureOf = (d: Demand): string => {
  const raw = JSON.stringify(d);
  const hit = signatureMemo.get(raw);
  if (hit !== undefined) return hit;
  if (signatureMemo.size >= SIGNATURE_MEMO_LIMIT) signatureMemo.clear();
  const signature = canonicalDemand(d);
  signatureMemo.set(raw, signature);
  return signature;
};

const canonicalDemand = (d: Demand): string =>
  canonical({
    ...d,
    requirements: {
      ...d.requirements,
      models: sorted(d.requirements.models),
      runtimes: sorted(d.requirements.runtimes),
      labels: d.requirements.labels.map(canonical).sort(),
    },
  });

/** Signature of a capability: workers with equal signatures are eligible for the same tasks. */
export const capabilitySignature = (c: Capability): string =>
  canonical({ ...c, models: sorted(c.models), exclusive: sorted(c.exclusive) });

const MEMO_LIMIT = 100_000;
const memo = new Map<string, boolean>();

/**
 * Whether workers of capability `capSig` meet every hard requirement of demand `reqSig`.
 * Signatures determine the answer, so it is cached across states; the cost of matching grows
 * with the number of distinct signatures, not with the number of workers or tasks.
 */
export const eligible = (
  reqSig: string,
  demand: Demand,
  capSig: string,
  cap: Capability,
): boolean => {
  const key = `${reqSig}\u0000${capSig}`;
  const hit = memo.get(key);
  if (hit !== undefined) return hit;
  if (memo.size >= MEMO_LIMIT) memo.clear();
  const ok = unmetRequirements(demand, cap).length === 0;
  memo.set(key, ok);
  return ok;
};
