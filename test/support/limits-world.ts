/**
 * Random histories with limits, for the limits' properties: the audit-versus-dispatcher world
 * (audit-dispatcher-world.ts) plus operators setting, changing and clearing limits mid-flight,
 * tasks declaring their maximum spend (some asking to fail fast), reports with usage (honest or
 * overrunning), rounds where every worker claims at once, and jumps of the clock across days.
 */
import fc from 'fast-check';
import { decide } from '../../domain/pool/index.ts';
import { eligible } from '../../domain/pool/signatures.ts';
import type { FleetEvent, LimitPeriod, ProjectId, WorkerId } from '../../events/index.ts';
import { ServeClaims } from '../../events/index.ts';
import { World } from './audit-dispatcher-world.ts';
import { POOL, projectAt, S, stepArb } from './audit-history-steps.ts';
import type { Step } from './audit-history-steps.ts';

const PERIODS: LimitPeriod[] = [
  { kind: 'month', timeZone: 'UTC' },
  { kind: 'day', timeZone: 'Europe/Paris' },
  { kind: 'day', timeZone: 'America/New_York' },
  { kind: 'rolling', ms: 3_600_000 },
];

export interface RuleSpec {
  readonly project: number;
  readonly usd?: number | undefined;
  readonly tokens?: number | undefined;
  readonly period: number;
  readonly tasksPerMinute?: number | undefined;
  readonly tokensPerMinute?: number | undefined;
  readonly concurrency?: number | undefined;
  readonly estimateTokens?: number | undefined;
}

export type LimitStep =
  | Step
  | { k: 'limit'; rule: RuleSpec }
  | { k: 'clear'; project: number }
  | { k: 'jump'; ms: number }
  | { k: 'spend'; project: number; id: number; usd?: number; tokens?: number; fail: boolean }
  | { k: 'usage'; task: number; share: number; overrun: boolean; completed: boolean }
  | { k: 'claim_all' }
  /** A dispatcher that ignores limits: the next queued task to any eligible worker with room. */
  | { k: 'rogue'; pick: number };

const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

export const ruleArb: fc.Arbitrary<RuleSpec> = fc.record({
  project: fc.nat(1),
  usd: opt(fc.double({ min: 0.01, max: 0.1, noNaN: true })),
  tokens: opt(fc.integer({ min: 2_000, max: 40_000 })),
  period: fc.nat(PERIODS.length - 1),
  tasksPerMinute: opt(fc.integer({ min: 1, max: 4 })),
  tokensPerMinute: opt(fc.integer({ min: 4_096, max: 20_000 })),
  concurrency: opt(fc.integer({ min: 1, max: 3 })),
  estimateTokens: opt(fc.integer({ min: 100, max: 4_000 })),
});

/** Steps of a history; `honest` leaves out overruns and limit changes after the start. */
export const limitStepArb = (honest: boolean): fc.Arbitrary<LimitStep> =>
  fc.oneof(
    { weight: 8, arbitrary: stepArb },
    ...(honest
      ? []
      : [
          { weight: 2, arbitrary: fc.record({ k: fc.constant('limit' as const), rule: ruleArb }) },
          {
            weight: 1,
            arbitrary: fc.record({ k: fc.constant('clear' as const), project: fc.nat(1) }),
          },
        ]),
    {
      weight: 1,
      arbitrary: fc.record({
        k: fc.constant('jump' as const),
        ms: fc.integer({ min: 0, max: 3 * 86_400_000 }),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        k: fc.constant('spend' as const),
        project: fc.nat(1),
        id: fc.nat(25),
        usd: opt(fc.double({ min: 0.001, max: 0.2, noNaN: true })),
        tokens: opt(fc.integer({ min: 1, max: 50_000 })),
        fail: fc.boolean(),
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        k: fc.constant('usage' as const),
        task: fc.nat(),
        share: fc.double({ min: 0, max: 1, noNaN: true }),
        overrun: honest ? fc.constant(false) : fc.boolean(),
        completed: fc.boolean(),
      }),
    },
    { weight: 3, arbitrary: fc.constant({ k: 'claim_all' as const }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('rogue' as const), pick: fc.nat() }) },
  );

/** The limit a rule spec sets. */
export const limitEvent = (r: RuleSpec, at: number): FleetEvent => {
  const budget =
    r.usd === undefined && r.tokens === undefined
      ? undefined
      : {
          ...(r.usd === undefined ? {} : { usd: r.usd }),
          ...(r.tokens === undefined ? {} : { tokens: r.tokens }),
          period: PERIODS[r.period] ?? { kind: 'month', timeZone: 'UTC' },
        };
  const rate =
    r.tasksPerMinute === undefined && r.tokensPerMinute === undefined
      ? undefined
      : {
          ...(r.tasksPerMinute === undefined ? {} : { tasksPerMinute: r.tasksPerMinute }),
          ...(r.tokensPerMinute === undefined ? {} : { tokensPerMinute: r.tokensPerMinute }),
        };
  return {
    type: 'limit.set',
    data: {
      project: projectAt(r.project),
      pool: POOL,
      ...(budget === undefined ? {} : { budget }),
      ...(rate === undefined ? {} : { rate }),
      concurrency: r.concurrency ?? 10,
      ...(r.estimateTokens === undefined ? {} : { estimate: { tokens: r.estimateTokens } }),
    },
    meta: { at },
  };
};

/** A world whose histories include limits. */
export class LimitsWorld extends World {
  /** Per claim-all round: projects that could have started a task, and those that did. */
  readonly rounds: { couldStart: Set<string>; started: Set<string>; assigned: number }[] = [];
  /** Sequences of messages holding an assignment the fold accepted. */
  readonly assignmentSeqs = new Set<number>();

  override appendDecisions(events: readonly FleetEvent[]): void {
    const before = this.items.length;
    super.appendDecisions(events);
    for (let seq = before + 1; seq <= this.items.length; seq += 1) {
      const item = this.items[seq - 1];
      if (item !== undefined && 'events' in item.entry)
        if (item.entry.events.some((e) => e.type === 'task.assigned')) this.assignmentSeqs.add(seq);
    }
  }

  runLimit(step: LimitStep, couldStart: (world: LimitsWorld) => Set<string>): void {
    switch (step.k) {
      case 'limit':
        this.now += 10;
        this.append(S.limits(projectAt(step.rule.project), POOL), limitEvent(step.rule, this.now));
        return;
      case 'clear':
        this.now += 10;
        this.append(S.limits(projectAt(step.project), POOL), {
          type: 'limit.cleared',
          data: { project: projectAt(step.project), pool: POOL },
          meta: { at: this.now },
        });
        return;
      case 'jump':
        this.now += step.ms;
        return;
      case 'spend': {
        this.now += 10;
        const project = projectAt(step.project);
        this.append(S.submit(project, POOL), {
          type: 'task.submitted',
          data: {
            taskId: `s${step.id}`,
            project,
            pool: POOL,
            ...(step.usd === undefined && step.tokens === undefined
              ? {}
              : {
                  maxSpend: {
                    ...(step.usd === undefined ? {} : { usd: step.usd }),
                    ...(step.tokens === undefined ? {} : { tokens: step.tokens }),
                  },
                }),
            ...(step.fail ? { onLimit: 'fail' as const } : {}),
            timeoutMs: 5000,
          },
          meta: { at: this.now },
        });
        return;
      }
      case 'usage': {
        this.now += 10;
        const assigned = this.tasks().filter((t) => t.status === 'assigned');
        const t = assigned[step.task % Math.max(1, assigned.length)];
        if (t?.status !== 'assigned') return;
        const hold = this.state.limits.holds[t.key];
        const factor = step.overrun ? 1 + step.share : step.share;
        const tokens = Math.floor((hold?.tokens ?? 0) * factor);
        const usage = {
          tokensIn: Math.floor(tokens / 2),
          tokensOut: tokens - Math.floor(tokens / 2),
          costUsd: (hold?.usd ?? 0) * factor,
          durationMs: 1,
        };
        const ref = {
          taskId: t.id,
          project: t.demand.project,
          pool: POOL,
          workerId: t.workerId,
          attempt: t.attempt,
          usage,
        };
        this.append(
          S.report(t.demand.project, POOL, t.workerId),
          step.completed
            ? { type: 'task.completed', data: ref, meta: { at: this.now } }
            : {
                type: 'task.failed',
                data: { ...ref, error: { message: 'x' } },
                meta: { at: this.now },
              },
        );
        return;
      }
      case 'claim_all': {
        this.now += 10;
        const claims = Object.values(this.state.workers)
          .filter((w) => w.status === 'active')
          .map((w) => ({
            workerId: w.id,
            project: w.capability.project,
            pool: POOL,
            max: 3,
          }));
        if (claims.length === 0) return;
        const expected = couldStart(this);
        const cmd = ServeClaims.parse({
          type: 'serve_claims',
          data: { claims },
          meta: { now: this.now },
        });
        const out = decide(this.state, cmd);
        const assignments = out.filter((e) => e.type === 'task.assigned');
        this.rounds.push({
          couldStart: expected,
          started: new Set(assignments.map((e) => e.data.project)),
          assigned: assignments.length,
        });
        this.appendDecisions(out);
        return;
      }
      case 'rogue': {
        this.now += 10;
        const s = this.state;
        const pairs = this.tasks().flatMap((t) =>
          t.status !== 'queued'
            ? []
            : Object.values(s.workers)
                .filter(
                  (x) =>
                    x.status === 'active' &&
                    x.capability.project === t.demand.project &&
                    x.held.length < x.capacity &&
                    eligible(t.reqSig, t.demand, x.capSig, x.capability),
                )
                .map((x) => ({ t, x })),
        );
        const pair = pairs[step.pick % Math.max(1, pairs.length)];
        if (pair === undefined) return;
        const { t, x } = pair;
        const seq = this.append(S.dispatch(t.demand.project, POOL), {
          type: 'task.assigned',
          data: {
            taskId: t.id,
            project: t.demand.project,
            pool: POOL,
            workerId: x.id,
            attempt: t.attempts + 1,
            leaseExpiresAt: this.now + 5000,
          },
          meta: { at: this.now },
        });
        if (this.verdicts.every((v) => v.kind === 'applied')) this.acceptedForgeries.add(seq);
        else this.refusedForgeries.add(seq);
        return;
      }
      default:
        this.run(step);
    }
  }
}

export type { ProjectId, WorkerId };
