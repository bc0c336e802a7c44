import { unmetRequirements } from '../pool/index.ts';
import type { Demand } from '../pool/index.ts';
import type { RuntimeTemplate } from '../../events/index.ts';
import { templateCapability } from './template-capability.ts';

/** Most characters of a choice's reason (the event's bound). */
const REASON_MAX = 1024;

/**
 * The runtime chosen for tasks of one demand that wait: a warm worker (no launch), a cold
 * launch from a template, or nothing now and why.
 */
export type RuntimeDecision =
  /** A live worker that fits has room: it takes the task at its next claim. */
  | { readonly kind: 'warm'; readonly reason: string }
  | { readonly kind: 'launch'; readonly template: RuntimeTemplate; readonly reason: string }
  /** Templates fit, but each is at its limit or backing off. */
  | { readonly kind: 'hold'; readonly reason: string }
  /** No template fits the task. */
  | { readonly kind: 'unfit'; readonly reason: string };

/** What the choice needs to know of the pool beyond the templates. */
export interface ChoiceContext {
  /** Live workers that fit the demand, and how many of them have room. */
  readonly eligibleWorkers: number;
  readonly freeWorkers: number;
  /** Launches a template may still start now (its limit minus those live). */
  readonly room: (template: RuntimeTemplate) => number;
  /** When a template backing off may launch again (absent: it may now). */
  readonly retryAt: (template: RuntimeTemplate) => number | undefined;
  readonly now: number;
}

const named = (t: RuntimeTemplate) => `${t.name} (${t.runtime.kind}, cost ${t.cost})`;

const cut = (s: string) => (s.length <= REASON_MAX ? s : `${s.slice(0, REASON_MAX - 1)}…`);

/**
 * The choice for a demand, in order: fit (a template whose runtime, limits, labels and models
 * meet every hard requirement: a Lambda only when the task's timeout and memory are within
 * its limits), then a warm worker before a cold launch, then the lowest configured cost (the
 * name breaks ties, so every replica chooses alike).
 */
export const chooseRuntime = (
  demand: Demand,
  templates: readonly RuntimeTemplate[],
  c: ChoiceContext,
): RuntimeDecision => {
  if (c.freeWorkers > 0)
    return {
      kind: 'warm',
      reason: `warm: ${c.freeWorkers} of ${c.eligibleWorkers} live worker(s) that fit have room`,
    };
  const fits: RuntimeTemplate[] = [];
  const unfit: string[] = [];
  for (const t of templates) {
    const unmet = unmetRequirements(demand, templateCapability(t, demand.project, demand.pool));
    if (unmet.length === 0) fits.push(t);
    else unfit.push(`${t.name} (${t.runtime.kind}): ${unmet.map((u) => u.detail).join('; ')}`);
  }
  const unfitText = unfit.length === 0 ? '' : `; unfit: ${unfit.join(', ')}`;
  if (fits.length === 0)
    return { kind: 'unfit', reason: cut(`no template fits${unfitText || ' (none configured)'}`) };
  const byCost = [...fits].sort((a, b) => a.cost - b.cost || (a.name < b.name ? -1 : 1));
  const ready = byCost.filter((t) => {
    const retryAt = c.retryAt(t);
    return c.room(t) > 0 && (retryAt === undefined || retryAt <= c.now);
  });
  const chosen = ready[0];
  if (chosen === undefined) {
    const why = byCost.map((t) => {
      const retryAt = c.retryAt(t);
      return retryAt !== undefined && retryAt > c.now
        ? `${t.name} backs off until ${new Date(retryAt).toISOString()}`
        : `${t.name} is at its limit of ${t.maxConcurrent}`;
    });
    return { kind: 'hold', reason: cut(`every fitting template waits: ${why.join(', ')}`) };
  }
  const live =
    c.eligibleWorkers > 0
      ? `all ${c.eligibleWorkers} live worker(s) that fit are busy`
      : 'no live worker fits';
  const others = byCost
    .filter((t) => t !== chosen)
    .map((t) => {
      const retryAt = c.retryAt(t);
      if (retryAt !== undefined && retryAt > c.now) return `${named(t)} backing off`;
      return c.room(t) > 0 ? named(t) : `${named(t)} at its limit`;
    });
  const against =
    others.length === 0 ? 'the only fit' : `the cheapest ready fit (over ${others.join(', ')})`;
  return {
    kind: 'launch',
    template: chosen,
    reason: cut(`cold launch: ${live}; ${named(chosen)} is ${against}${unfitText}`),
  };
};
