/**
 * Property tests of the dispatcher core over random histories.
 *
 * A history is a list of steps that fast-check generates as plain descriptors; `Run` interprets
 * them against the current folded state (indices pick among the workers and tasks that exist
 * then), appends the resulting log entries and folds each with `evolve`. Three kinds of entry:
 *
 * - external: what producers, workers and the registrar legitimately write (enrollments,
 *   submissions single and batched, cancellations, draining/leaving/revocation, reports);
 * - dispatcher: the output of `decide` (serve_claims, check_liveness), split into one message
 *   per subject the way a host publishes it, and passed through the real codec;
 * - adversarial: forged or stale events built so that each is certainly invalid at its
 *   position, plus unreadable entries.
 *
 * After every entry `checkInvariants` runs; each kind of entry has its own further checks.
 * The world, the generators, the checks and the interpreter are in test/support/pool-*.ts.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { FleetEvent, LogEntry, PoolId, ProjectId } from '../../events/index.ts';
import { ServeClaims } from '../../events/index.ts';
import { ev } from '../../test/support/builders.ts';
import { decide, evolveEntries, initialState } from '../../domain/pool/index.ts';
import { POOL, T0, CONFIG, projectAt, totalRejections } from '../../test/support/pool-world.ts';
import { historyArb } from '../../test/support/pool-generators.ts';
import { tally, bump } from '../../test/support/pool-checks.ts';
import { Run, playOrExplain } from '../../test/support/pool-simulator.ts';

describe('dispatcher core over random adversarial histories', () => {
  afterAll(() => {
    const sorted = (r: Record<string, number>) =>
      Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)));
    console.log(
      JSON.stringify(
        {
          histories: tally.histories,
          steps: tally.steps,
          crossProjectOnlyClaims: tally.crossProjectOnlyClaims,
          foldRejectionsByReason: sorted(tally.rejectionsByReason),
          claimsRefusedByReason: sorted(tally.claimsRefused),
          acceptedByType: sorted(tally.accepted),
          adversarialKindToReasons: Object.fromEntries(
            Object.entries(tally.adversarial)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, v]) => [k, sorted(v)]),
          ),
        },
        null,
        1,
      ),
    );
  });

  it('keeps invariants 1-5 after every entry; accepts its own decisions (6); refuses adversarial entries without effect (7) and cross-project claims (8); leaves no dead attempt assigned (9); folds alike through evolve and evolveEntryInPlace', () => {
    fc.assert(
      fc.property(historyArb, (steps) => {
        const run = new Run({ inPlace: true });
        playOrExplain(run, steps);
        // Determinism of the two paths: immer's `evolve` and `evolveEntryInPlace` in place.
        if (!isDeepStrictEqual(run.inPlace, run.state)) expect(run.inPlace).toEqual(run.state);
        tally.histories += 1;
        for (const [r, n] of Object.entries(run.state.rejections.byReason))
          bump(tally.rejectionsByReason, r, n);
        for (const [r, n] of Object.entries(run.state.claimsRefused))
          bump(tally.claimsRefused, r, n);
      }),
      { numRuns: 1000 },
    );
    // 10-25 s of CPU alone; with the whole suite sharing two cores it can take three times that.
  }, 300_000);

  it('shares one round fairly: a project that flooded the queue earlier cannot starve another', () => {
    fc.assert(
      fc.property(
        fc.record({
          nA: fc.integer({ min: 6, max: 40 }),
          nBSeed: fc.nat(),
          budgetSeed: fc.nat(),
          weight: fc.integer({ min: 1, max: 3 }),
          priority: fc.constantFrom(-5, 0, 7),
          capacitiesA: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 3 }),
          capacitiesB: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 3 }),
          batch: fc.integer({ min: 1, max: 8 }),
          projects: fc.constantFrom([0, 1], [1, 0], [2, 0], [1, 2]),
          aModels: fc.constantFrom(['llama'], ['llama', 'qwen']),
        }),
        (g) => {
          const A = projectAt(g.projects[0]);
          const B = projectAt(g.projects[1]);
          // A submitted many more tasks than B: at least twice as many, all of them earlier.
          const nB = 1 + (g.nBSeed % Math.floor(g.nA / 2));
          const budget = 1 + (g.budgetSeed % (g.nA + nB - 1));
          const state0 = initialState({ ...CONFIG, weights: { [A]: g.weight, [B]: g.weight } });
          const entries: LogEntry[] = [];
          const push = (events: FleetEvent[]) =>
            entries.push({ seq: entries.length + 1, at: T0, events });
          const claims: { workerId: string; project: ProjectId; pool: PoolId; max: number }[] = [];
          const enroll = (project: ProjectId, capacities: readonly number[]) => {
            capacities.forEach((c, k) => {
              // The first worker alone has room for the whole budget: plenty of slots.
              const capacity = k === 0 ? Math.max(c, budget) : c;
              const workerId = `${project}-w${k}`;
              push([
                ev('worker.enrolled', {
                  workerId,
                  project,
                  pool: POOL,
                  keyId: 'k1',
                  models: ['llama', 'qwen'],
                  capacity,
                }),
              ]);
              claims.push({ workerId, project, pool: POOL, max: Math.min(capacity, 1000) });
            });
          };
          enroll(A, g.capacitiesA);
          enroll(B, g.capacitiesB);
          const submitAll = (project: ProjectId, n: number, models: string[]) => {
            for (let k = 0; k < n; k += g.batch)
              push(
                Array.from({ length: Math.min(g.batch, n - k) }, (_, m) =>
                  ev('task.submitted', {
                    taskId: `${project}-t${k + m}`,
                    project,
                    pool: POOL,
                    priority: g.priority,
                    requirements: { models },
                  }),
                ),
              );
          };
          submitAll(A, g.nA, [...g.aModels]);
          submitAll(B, nB, ['llama']);
          const state = evolveEntries(state0, entries);
          expect(totalRejections(state)).toBe(0);
          const out = decide(
            state,
            ServeClaims.parse({
              type: 'serve_claims',
              data: { claims, budget },
              meta: { now: T0 + 1 },
            }),
          );
          const assignedTo = (p: string) =>
            out.filter((e) => e.type === 'task.assigned' && e.data.project === p).length;
          expect(assignedTo(A) + assignedTo(B)).toBe(budget);
          expect(assignedTo(B)).toBeGreaterThanOrEqual(Math.min(nB, Math.floor(budget / 2)));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
