/**
 * Fair share by measured use: a heavy consumer yields to a light one, decay forgets old use,
 * and, over random histories, a project is never starved by one that used more or by one over
 * its limits.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PoolId, ProjectId, ServeClaims } from '../../events/index.ts';
import type { EventOf, FleetEvent, LogEntry } from '../../events/index.ts';
import { ev, enrolled, P, POOL, submitted } from '../../test/support/builders.ts';
import { decide } from './decide.ts';
import { evolveEntries } from './evolve-entry.ts';
import type { FairShare } from './fair-use.ts';
import { initialState } from './state.ts';
import type { DispatcherConfig } from './state.ts';

const HOUR = 3_600_000;
const T0 = 1_700_000_000_000;
const PROJECTS = [P.health, P.fin] as const;
const worker = (project: string) => `w-${project}`;

/** One attempt in the history: assigned, then reported after `heldMs` (or still running). */
interface Run {
  readonly project: number;
  readonly tokens: number;
  readonly heldMs: number;
  /** Stream time before the next run starts. */
  readonly gapMs: number;
  readonly reported: boolean;
}

/** A pool's log: both projects' workers, then the runs one after another, from `T0`. */
const historyOf = (runs: readonly Run[]) => {
  const entries: LogEntry[] = [];
  let at = T0;
  const push = (events: FleetEvent[], when: number) =>
    entries.push({ seq: entries.length + 1, at: when, events });
  for (const p of PROJECTS)
    push([enrolled(worker(p), { project: p, capacity: 100, models: ['llama'] })], at);
  const ended: { project: string; tokens: number; ms: number; at: number }[] = [];
  const running: { project: string; since: number }[] = [];
  runs.forEach((r, i) => {
    const project = PROJECTS[r.project] ?? P.health;
    const ref = { taskId: `r${i}`, project, pool: POOL };
    push([submitted(ref.taskId, { project })], at);
    const assignment = { ...ref, workerId: worker(project), attempt: 1, leaseExpiresAt: T0 * 2 };
    push([ev('task.assigned', assignment)], at);
    if (r.reported) {
      const usage = { tokensIn: r.tokens, tokensOut: 0, durationMs: 0 };
      const report = { ...ref, workerId: worker(project), attempt: 1, usage };
      push([ev('task.completed', report)], at + r.heldMs);
      ended.push({ project, tokens: r.tokens, ms: r.heldMs, at: at + r.heldMs });
    } else running.push({ project, since: at });
    at += r.heldMs + r.gapMs;
  });
  return { entries, at, ended, running, push };
};

/** Queues `n` tasks of each project (in `order`) and serves one round with `budget`. */
const round = (
  runs: readonly Run[],
  config: Partial<DispatcherConfig>,
  o: { n: number; budget: number; order: readonly number[]; extra?: FleetEvent[] },
) => {
  const h = historyOf(runs);
  const now = h.at + 1;
  for (const p of o.order) {
    const project = PROJECTS[p] ?? P.health;
    const tasks = Array.from({ length: o.n }, (_, k) => submitted(`q${k}`, { project }));
    h.push(tasks, now);
  }
  if (o.extra !== undefined) h.push(o.extra, now);
  const state = evolveEntries(initialState({ pool: PoolId.parse(POOL), ...config }), h.entries);
  const claims = PROJECTS.map((p) => ({ workerId: worker(p), project: p, pool: POOL, max: 100 }));
  const command = { type: 'serve_claims', data: { claims, budget: o.budget }, meta: { now } };
  const out = decide(state, ServeClaims.parse(command));
  const assigned: string[] = out
    .filter((e): e is EventOf<'task.assigned'> => e.type === 'task.assigned')
    .map((e) => e.data.project);
  return { ...h, now, state, assigned };
};

const tokens = (halfLifeMs = HOUR): { fairShare: FairShare } => ({
  fairShare: { by: 'tokens', halfLifeMs },
});
const run = (project: number, tokensUsed: number, heldMs = 1000, gapMs = 0): Run => ({
  project,
  tokens: tokensUsed,
  heldMs,
  gapMs,
  reported: true,
});

describe('fair share by measured use', () => {
  // health-prod used 1,000 tokens; fin-prod 500,000 — and fin-prod's queue is the older one.
  const heavyAndLight = [run(1, 100_000), run(1, 100_000), run(1, 300_000), run(0, 1_000)];

  it('makes the heavy consumer yield to the light one', () => {
    const r = round(heavyAndLight, tokens(), { n: 10, budget: 4, order: [1, 0] });
    expect(r.assigned).toEqual([P.health, P.health, P.health, P.health]);
  });

  it('counts tasks by default: the same history splits the round', () => {
    const r = round(heavyAndLight, {}, { n: 10, budget: 4, order: [1, 0] });
    expect(r.assigned.filter((p) => p === P.fin).length).toBeGreaterThan(0);
    expect(r.assigned.filter((p) => p === P.health).length).toBeGreaterThan(0);
  });

  it('forgets old use: heavy two days ago, light an hour ago, the old consumer goes first', () => {
    const old = [run(1, 500_000, 1000, 47 * HOUR), run(0, 20_000, 1000, HOUR)];
    expect(round(old, tokens(HOUR), { n: 5, budget: 1, order: [0, 1] }).assigned).toEqual([P.fin]);
    // Without decay worth the name (a year's half-life), the old heavy use still counts.
    expect(
      round(old, tokens(365 * 24 * HOUR), { n: 5, budget: 1, order: [0, 1] }).assigned,
    ).toEqual([P.health]);
  });

  it('counts seconds held on the stream clock, running attempts included', () => {
    const longRunning: Run = {
      project: 1,
      tokens: 0,
      heldMs: 0,
      gapMs: 10 * 60_000,
      reported: false,
    };
    const seconds = { fairShare: { by: 'seconds', halfLifeMs: HOUR } } as const;
    // fin-prod's one attempt has held its slot ten minutes; health-prod's ran one minute.
    const r = round([longRunning, run(0, 0, 60_000)], seconds, { n: 5, budget: 3, order: [1, 0] });
    expect(r.assigned).toEqual([P.health, P.health, P.health]);
  });

  it('measures nothing when counting tasks (the state stays as it was)', () => {
    const r = round(heavyAndLight, {}, { n: 1, budget: 1, order: [0] });
    expect(r.state.fair.use).toEqual({});
  });
});

const runArb: fc.Arbitrary<Run> = fc.record({
  project: fc.nat(1),
  tokens: fc.integer({ min: 0, max: 200_000 }),
  heldMs: fc.integer({ min: 0, max: 2 * HOUR }),
  gapMs: fc.integer({ min: 0, max: 6 * HOUR }),
  reported: fc.boolean(),
});

/** A project's use per weight at `now`, summed here from the runs (not by the fold). */
const tagAt = (
  h: ReturnType<typeof historyOf>,
  fair: FairShare,
  weights: readonly number[],
  now: number,
): number[] => {
  const decayed = (at: number) => 2 ** (-(now - at) / fair.halfLifeMs);
  const amount = PROJECTS.map(() => 0);
  const attempts = PROJECTS.map(() => 0);
  h.ended.forEach((e) => {
    const i = PROJECTS.indexOf(e.project as (typeof PROJECTS)[number]);
    amount[i] = (amount[i] ?? 0) + (fair.by === 'tokens' ? e.tokens : e.ms) * decayed(e.at);
    attempts[i] = (attempts[i] ?? 0) + decayed(e.at);
  });
  const total = amount.reduce((a, b) => a + b, 0);
  const all = attempts.reduce((a, b) => a + b, 0);
  const poolMean = all > 0 && total > 0 ? total / all : 1;
  return PROJECTS.map((p, i) => {
    const own = (amount[i] ?? 0) > 0 ? (amount[i] ?? 0) / (attempts[i] ?? 1) : poolMean;
    const held = h.running
      .filter((r) => r.project === p)
      .reduce((n, r) => n + (fair.by === 'seconds' ? now - r.since : own), 0);
    return ((amount[i] ?? 0) + held) / (weights[i] ?? 1);
  });
};

describe('fair share by measured use over random histories (1,000 each)', () => {
  const settings = fc.record({
    runs: fc.array(runArb, { maxLength: 12 }),
    by: fc.constantFrom('tokens' as const, 'seconds' as const),
    halfLifeMs: fc.integer({ min: 60_000, max: 48 * HOUR }),
    weights: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
    n: fc.integer({ min: 1, max: 8 }),
    budget: fc.integer({ min: 1, max: 20 }),
    order: fc.constantFrom([0, 1], [1, 0]),
  });
  const configOf = (g: { by: 'tokens' | 'seconds'; halfLifeMs: number; weights: number[] }) => ({
    fairShare: { by: g.by, halfLifeMs: g.halfLifeMs },
    weights: { [P.health]: g.weights[0] ?? 1, [P.fin]: g.weights[1] ?? 1 },
  });

  it('serves a project that used less per weight before one that used more, whatever the history and queue ages', () => {
    let decisive = 0;
    fc.assert(
      fc.property(settings, (g) => {
        const r = round(g.runs, configOf(g), g);
        const [a = 0, b = 0] = tagAt(r, configOf(g).fairShare, g.weights, r.now);
        // Sums in another order differ in the last bits: only a clear difference decides.
        if (Math.abs(a - b) <= 1e-9 * Math.max(1, a, b)) return;
        decisive += 1;
        const light = a < b ? P.health : P.fin;
        const heavy = light === P.health ? P.fin : P.health;
        // The light project is not starved: the round's first assignment is its.
        expect(r.assigned[0]).toBe(light);
        expect(r.assigned.length).toBe(Math.min(g.budget, 2 * g.n));
        const firstHeavy = r.assigned.indexOf(heavy);
        if (firstHeavy >= 0) expect(r.assigned.indexOf(light)).toBeLessThan(firstHeavy);
      }),
      { numRuns: 1000 },
    );
    expect(decisive).toBeGreaterThan(700);
  });

  it('never lets a project over a limit starve one within its limits, however little the former used', () => {
    fc.assert(
      fc.property(settings, fc.nat(1), (g, over) => {
        const blocked = PROJECTS[over] ?? P.fin;
        const free = blocked === P.fin ? P.health : P.fin;
        // A concurrency cap of one with an attempt running, set after the history: it binds.
        const running: Run = { project: over, tokens: 0, heldMs: 0, gapMs: 0, reported: false };
        const cap = ev('limit.set', {
          project: ProjectId.parse(blocked),
          pool: POOL,
          concurrency: 1,
        });
        const r = round([...g.runs, running], configOf(g), { ...g, extra: [cap] });
        expect(r.assigned.filter((p) => p === blocked)).toEqual([]);
        expect(r.assigned.length).toBe(Math.min(g.budget, g.n));
        expect(r.assigned.every((p) => p === free)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
