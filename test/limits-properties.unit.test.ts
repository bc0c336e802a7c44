/**
 * The limits' guarantees over random histories (concurrent claims, lost workers, late and
 * forged reports, limit changes mid-flight, clock jumps across days): the dispatcher's decisions
 * never take a scope over its budget, rate or cap; a project within its limits is never starved
 * by one over them; and the audit, which re-derives every limit on its own, agrees with the
 * pool's fold on every task and flags exactly the forged assignments the fold refused.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { periodWindow, RATE_WINDOW_MS } from '../domain/limits/index.ts';
import type { Ledger, LimitRule } from '../domain/limits/index.ts';
import { FAIR_SHARE_BY } from '../domain/pool/index.ts';
import type { FairShare } from '../domain/pool/index.ts';
import { taskLimitBlock } from '../domain/pool/limits-fold.ts';
import { queuedInOrder } from '../domain/pool/queue.ts';
import { eligible } from '../domain/pool/signatures.ts';
import { POOL, projectAt, PROJECTS, T0 } from './support/audit-history-steps.ts';
import { LimitsWorld, limitEvent, limitStepArb, ruleArb } from './support/limits-world.ts';
import type { LimitStep, RuleSpec } from './support/limits-world.ts';
import { S } from './support/audit-history-steps.ts';

const RUNS = 1000;

/** What the pool's fair share counts: tasks, or measured use with a half-life. */
const fairShareArb: fc.Arbitrary<FairShare> = fc.record({
  by: fc.constantFrom(...FAIR_SHARE_BY),
  halfLifeMs: fc.integer({ min: 60_000, max: 86_400_000 }),
});
const EPSILON = 1e-9;

/** Projects that could start a task in a round where every active worker claims. */
const couldStart = (w: LimitsWorld): Set<string> => {
  const s = w.state;
  const out = new Set<string>();
  for (const [project, byDemand] of Object.entries(s.queues))
    for (const [reqSig, queue] of Object.entries(byDemand)) {
      const demand = s.demands[reqSig];
      const id = queuedInOrder(queue)[0]?.ids[0];
      const head = id === undefined ? undefined : s.tasks.get(id);
      if (demand === undefined || head?.status !== 'queued') continue;
      if (taskLimitBlock(s, head, w.now) !== undefined) continue;
      const fits = Object.values(s.workers).some(
        (x) =>
          x.status === 'active' &&
          x.capability.project === project &&
          x.held.length < x.capacity &&
          eligible(reqSig, demand, x.capSig, x.capability),
      );
      if (fits) out.add(project);
    }
  return out;
};

/** What a scope's ledger counts now, window by window (summed here, not by the rule). */
const usage = (ledger: Ledger, rule: LimitRule, now: number) => {
  const sum = (from: number) => {
    const cs = ledger.charges.filter((c) => c.at >= from);
    return {
      count: cs.length,
      usd: cs.reduce((n, c) => n + c.usd, 0),
      tokens: cs.reduce((n, c) => n + c.tokens, 0),
    };
  };
  const minute = sum(now - RATE_WINDOW_MS + 1);
  const period =
    rule.budget === undefined ? undefined : sum(periodWindow(now, rule.budget.period).start);
  return { minute, period };
};

/** Every limit of the scope of `project` holds now; a message saying which does not. */
const overBy = (w: LimitsWorld, project: string): string | undefined => {
  const rule = w.state.limits.rules[project];
  const ledger = w.state.limits.ledgers[project];
  if (rule === undefined || ledger === undefined) return undefined;
  const now = w.state.limits.clock;
  const { minute, period } = usage(ledger, rule, now);
  if (rule.concurrency !== undefined && ledger.running > rule.concurrency)
    return `${ledger.running} running, cap ${rule.concurrency}`;
  if (rule.rate?.tasksPerMinute !== undefined && minute.count > rule.rate.tasksPerMinute)
    return `${minute.count} attempts a minute, rate ${rule.rate.tasksPerMinute}`;
  if (rule.rate?.tokensPerMinute !== undefined && minute.tokens > rule.rate.tokensPerMinute)
    return `${minute.tokens} tokens a minute, rate ${rule.rate.tokensPerMinute}`;
  const b = rule.budget;
  if (b?.usd !== undefined && period !== undefined && period.usd > b.usd + EPSILON)
    return `$${period.usd} of a $${b.usd} budget`;
  if (b?.tokens !== undefined && period !== undefined && period.tokens > b.tokens)
    return `${period.tokens} of a ${b.tokens}-token budget`;
  return undefined;
};

/** Running attempts of `project`, counted from the tasks themselves, not from the ledger. */
const runningOf = (w: LimitsWorld, project: string): number =>
  w.tasks().filter((t) => t.status === 'assigned' && t.demand.project === project).length;

/** The audit flags exactly the forged assignments the fold refused, and nothing else. */
const auditAgrees = (w: LimitsWorld): void => {
  w.compare();
  const flagged = new Map<number, string[]>();
  for (const v of w.auditor.state.violations) {
    const last = v.seqs.at(-1) ?? 0;
    flagged.set(last, [...(flagged.get(last) ?? []), v.kind]);
  }
  for (const seq of w.refusedForgeries) expect(flagged.has(seq), `seq ${seq}`).toBe(true);
  for (const seq of w.acceptedForgeries) expect(flagged.get(seq), `seq ${seq}`).toBeUndefined();
  for (const v of w.auditor.state.violations) {
    const last = v.seqs.at(-1) ?? 0;
    const forged = w.refusedForgeries.has(last) || w.staleForgeries.has(last);
    expect(forged, `${v.kind}: ${v.detail}`).toBe(true);
  }
};

const play = (
  rules: readonly RuleSpec[],
  steps: readonly LimitStep[],
  honest: boolean,
  fairShare?: FairShare,
) => {
  const w = new LimitsWorld({ fairShare });
  for (const r of rules) w.append(S.limits(projectAt(r.project), POOL), limitEvent(r, T0));
  for (const step of steps) {
    const before = w.items.length;
    w.runLimit(step, couldStart);
    const accepted = new Set<string>();
    for (let seq = before + 1; seq <= w.items.length; seq += 1) {
      if (!w.assignmentSeqs.has(seq) && !w.acceptedForgeries.has(seq)) continue;
      const item = w.items[seq - 1];
      if (item !== undefined && 'events' in item.entry)
        for (const e of item.entry.events)
          if (e.type === 'task.assigned') accepted.add(e.data.project);
    }
    for (const project of PROJECTS) {
      const ledger = w.state.limits.ledgers[project];
      // The ledger's count of running attempts is the tasks' own.
      if (ledger !== undefined) expect(ledger.running).toBe(runningOf(w, project));
      const over = overBy(w, project);
      // An assignment never leaves its scope over a limit; with honest workers and limits set
      // before the work, no position is ever over one.
      if (honest || accepted.has(project))
        expect(over, `${project} after ${step.k}`).toBeUndefined();
    }
  }
  return w;
};

describe('limits over random histories', () => {
  it(`never let a decision exceed a budget, rate or cap, starve no project within its limits whatever fair share counts, and the audit agrees (${RUNS} histories, limits changed mid-flight)`, () => {
    let blockedRounds = 0;
    fc.assert(
      fc.property(
        fc.array(ruleArb, { maxLength: 2 }),
        fc.array(limitStepArb(false), { minLength: 5, maxLength: 50 }),
        fairShareArb,
        (rules, steps, fairShare) => {
          const w = play(rules, steps, false, fairShare);
          for (const r of w.rounds) {
            // Starved only if the round's budget went to others: it never does here.
            for (const p of r.couldStart) expect(r.started.has(p), `project ${p}`).toBe(true);
            if (r.couldStart.size < PROJECTS.length) blockedRounds += 1;
          }
          auditAgrees(w);
        },
      ),
      { numRuns: RUNS },
    );
    expect(blockedRounds).toBeGreaterThan(0);
  });

  it(`keep reserved + settled within every budget, rate and cap at every position when workers report within their reservation (${RUNS} histories)`, () => {
    let waits = 0;
    fc.assert(
      fc.property(
        fc.uniqueArray(ruleArb, { minLength: 1, maxLength: 2, selector: (r) => r.project }),
        fc.array(limitStepArb(true), { minLength: 5, maxLength: 50 }),
        (rules, steps) => {
          const w = play(rules, steps, true);
          waits += w.state.rejections.byReason['over_limit'] ?? 0;
          for (const r of w.rounds) waits += r.couldStart.size < PROJECTS.length ? 1 : 0;
          auditAgrees(w);
        },
      ),
      { numRuns: RUNS },
    );
    expect(waits).toBeGreaterThan(0);
  });
});
