/**
 * The pool capacity's guarantees over random histories (the limits' world: concurrent claims,
 * lost workers, late and forged reports, budgets and caps, clock jumps), with a capacity and
 * reserves set at the start or changed mid-flight: no decision takes the pool's running total
 * over its capacity; no decision takes a slot that the reserve of another project with work it
 * could start needed; and the audit, which counts the capacity on its own, flags exactly the
 * forged assignments the fold refused.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eligible } from '../domain/pool/signatures.ts';
import type { FleetEvent } from '../events/index.ts';
import { CONSTRAINTS, POOL, projectAt, PROJECTS, S, T0 } from './support/audit-history-steps.ts';
import { LimitsWorld, limitStepArb } from './support/limits-world.ts';
import type { LimitStep } from './support/limits-world.ts';

const RUNS = 1000;

interface CapacitySpec {
  readonly capacity: number;
  readonly reserves: readonly [number, number];
}

const capacityArb: fc.Arbitrary<CapacitySpec> = fc
  .record({ capacity: fc.integer({ min: 1, max: 5 }), a: fc.nat(3), b: fc.nat(3) })
  .map(({ capacity, a, b }) => {
    const first = Math.min(a, capacity);
    return { capacity, reserves: [first, Math.min(b, capacity - first)] as const };
  });

const capacityEvent = (c: CapacitySpec, at: number): FleetEvent => {
  const reserves: Record<string, number> = {};
  c.reserves.forEach((n, i) => {
    if (n > 0) reserves[projectAt(i)] = n;
  });
  return {
    type: 'limit.set',
    data: {
      project: projectAt(0),
      pool: POOL,
      capacity: c.capacity,
      ...(Object.keys(reserves).length === 0 ? {} : { reserves }),
    },
    meta: { at },
  };
};

type CapacityStep = LimitStep | { k: 'capacity'; spec: CapacitySpec | undefined };

/** Attempts running in the pool, counted from the tasks themselves. */
const runningOf = (w: LimitsWorld, project?: string): number =>
  w
    .tasks()
    .filter(
      (t) => t.status === 'assigned' && (project === undefined || t.demand.project === project),
    ).length;

/** `project` has a ready queued task that an active worker of its own with room could run. */
const couldStart = (w: LimitsWorld, project: string): boolean =>
  w
    .tasks()
    .some(
      (t) =>
        t.status === 'queued' &&
        t.demand.project === project &&
        w.state.delayed[t.key] === undefined &&
        Object.values(w.state.workers).some(
          (x) =>
            x.status === 'active' &&
            x.capability.project === project &&
            x.held.length < x.capacity &&
            eligible(t.reqSig, t.demand, x.capSig, x.capability),
        ),
    );

/** A world that checks, before each decided assignment, that it leaves the reserves whole. */
class CapacityWorld extends LimitsWorld {
  spec: CapacitySpec | undefined;
  decided = 0;
  heldBack = 0;

  override appendDecisions(events: readonly FleetEvent[]): void {
    // One message per decision, so each assignment is judged on the state just before it.
    for (const e of events) {
      if (e.type === 'task.assigned' && this.spec !== undefined) this.#check(e.data.project);
      super.appendDecisions([e]);
    }
  }

  #check(project: string): void {
    const spec = this.spec;
    if (spec === undefined) return;
    this.decided += 1;
    const free = spec.capacity - runningOf(this);
    let needed = 0;
    PROJECTS.forEach((other, i) => {
      const share = spec.reserves[i] ?? 0;
      if (other !== project && couldStart(this, other))
        needed += Math.max(0, share - runningOf(this, other));
    });
    expect(
      free - 1,
      `${project} takes a slot of ${free} free, ${needed} reserved`,
    ).toBeGreaterThanOrEqual(needed);
  }
}

/** Both projects start with a worker and a queue, so that the capacity is contended. */
const SETUP: CapacityStep[] = PROJECTS.flatMap((_, project) => [
  {
    k: 'enroll' as const,
    ...{ project, gpu: 0, vram: 0, us: true, reserved: false, capacity: 3, llama: true },
  },
  {
    k: 'submit' as const,
    ...{ project, ids: [20, 21, 22, 23], constraint: CONSTRAINTS.length, llama: false },
    maxAttempts: 3,
  },
]);

const play = (spec: CapacitySpec, steps: readonly CapacityStep[]): CapacityWorld => {
  const w = new CapacityWorld();
  w.spec = spec;
  w.append(S.limits(projectAt(0), POOL), capacityEvent(spec, T0));
  for (const step of [...SETUP, ...steps]) {
    if (step.k === 'capacity') {
      w.now += 10;
      const changed = step.spec;
      w.append(
        S.limits(projectAt(0), POOL),
        changed === undefined
          ? {
              type: 'limit.cleared',
              data: { project: projectAt(0), pool: POOL, capacity: true },
              meta: { at: w.now },
            }
          : capacityEvent(changed, w.now),
      );
      w.spec = changed;
      continue;
    }
    const before = w.items.length;
    w.runLimit(step, () => new Set());
    let started = false;
    for (let seq = before + 1; seq <= w.items.length; seq += 1)
      started ||= w.assignmentSeqs.has(seq) || w.acceptedForgeries.has(seq);
    // Lowered mid-flight, a capacity may be below what runs: then nothing more starts.
    if (w.spec !== undefined && started)
      expect(runningOf(w), `after ${step.k}`).toBeLessThanOrEqual(w.spec.capacity);
  }
  return w;
};

/** The audit flags exactly the forged assignments the fold refused, and nothing else. */
const auditAgrees = (w: LimitsWorld): void => {
  w.compare();
  const flagged = new Set(w.auditor.state.violations.map((v) => v.seqs.at(-1) ?? 0));
  for (const seq of w.refusedForgeries) expect(flagged.has(seq), `seq ${seq}`).toBe(true);
  for (const seq of w.acceptedForgeries) expect(flagged.has(seq), `seq ${seq}`).toBe(false);
};

const stepsArb = (changes: boolean): fc.Arbitrary<CapacityStep[]> =>
  fc.array(
    fc.oneof(
      { weight: 12, arbitrary: limitStepArb(!changes) },
      { weight: 3, arbitrary: fc.constant({ k: 'claim_all' as const }) },
      ...(changes
        ? [
            {
              weight: 1,
              arbitrary: fc.record({
                k: fc.constant('capacity' as const),
                spec: fc.option(capacityArb, { nil: undefined }),
              }),
            },
          ]
        : []),
    ),
    { minLength: 5, maxLength: 60 },
  );

describe('the audit of a pool capacity', () => {
  it('shows a breach in a log where an assignment was forged over the capacity', () => {
    const w = play({ capacity: 1, reserves: [0, 0] }, [{ k: 'claim_all' }]);
    expect(runningOf(w)).toBe(1);
    w.runLimit({ k: 'rogue', pick: 0 }, () => new Set());
    expect(w.refusedForgeries.size).toBe(1);
    const breaches = w.auditor.state.violations.map((v) => v.detail);
    expect(breaches).toEqual([expect.stringContaining(`pool ${POOL}: 1 running, capacity 1`)]);
  });
});

describe('a pool capacity over random histories', () => {
  it(`is never exceeded at any position, and no decision takes a slot another project's reserve needed (${RUNS} histories)`, () => {
    let decided = 0;
    let full = 0;
    fc.assert(
      fc.property(capacityArb, stepsArb(false), (spec, steps) => {
        const w = play(spec, steps);
        decided += w.decided;
        // Honest workers, a capacity set before the work: every position is within it.
        expect(runningOf(w)).toBeLessThanOrEqual(spec.capacity);
        if (runningOf(w) === spec.capacity) full += 1;
        auditAgrees(w);
      }),
      { numRuns: RUNS },
    );
    // The histories do reach the capacity and make decisions under it.
    expect(decided).toBeGreaterThan(RUNS);
    expect(full).toBeGreaterThan(0);
  });

  it(`holds when changed or cleared mid-flight, against forged assignments, and the audit agrees (${RUNS} histories)`, () => {
    fc.assert(
      fc.property(capacityArb, stepsArb(true), (spec, steps) => {
        auditAgrees(play(spec, steps));
      }),
      { numRuns: RUNS },
    );
  });
});
