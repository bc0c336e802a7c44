/**
 * A differential test: the audit's fold is written independently of the dispatcher's, so over
 * random histories — the dispatcher's own decisions, legitimate reports and lifecycle events,
 * forged reports, and forged assignments — the two must agree on every task and worker, the
 * audit must find nothing wrong with what the dispatcher decided, and it must flag a forged
 * assignment exactly when the dispatcher's fold refuses it. (Only this test imports the
 * dispatcher, through test/support/audit-dispatcher-world.ts; the audit itself never does.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { World } from '../../test/support/audit-dispatcher-world.ts';
import { stepArb } from '../../test/support/audit-history-steps.ts';

describe('the audit and the dispatcher, over random histories', () => {
  it.each([
    ['remembering every ended task', {}],
    [
      'forgetting ended tasks within a few steps',
      { forgetEndedAfterMs: 10, forgetDeadLettersAfterMs: 30 },
    ],
  ])(
    '%s: agree on every task and worker; the audit flags exactly the forged assignments the dispatcher refused',
    (_name, forget) => {
      let forgeriesSeen = 0;
      fc.assert(
        fc.property(fc.array(stepArb, { minLength: 5, maxLength: 60 }), (steps) => {
          const world = new World(forget);
          for (const step of steps) world.run(step);
          world.compare();
          const flagged = new Map<number, string[]>();
          for (const v of world.auditor.state.violations) {
            const last = v.seqs.at(-1) ?? 0;
            flagged.set(last, [...(flagged.get(last) ?? []), v.kind]);
          }
          for (const seq of world.refusedForgeries)
            expect(flagged.has(seq), `seq ${seq}`).toBe(true);
          for (const seq of world.acceptedForgeries)
            expect(flagged.get(seq), `seq ${seq}`).toBeUndefined();
          // Assigning a cancelled task is a lost race, not a violation (other faults still are).
          for (const seq of world.staleForgeries)
            expect(flagged.get(seq) ?? [], `seq ${seq}`).not.toContain('ended_task_assigned');
          // Nothing else is flagged: a forged assignment's worker completing the task again is a
          // refused report, counted (completed_twice), like every refused report.
          for (const v of world.auditor.state.violations) {
            const last = v.seqs.at(-1) ?? 0;
            const forged = world.refusedForgeries.has(last) || world.staleForgeries.has(last);
            expect(forged, `${v.kind}: ${v.detail}`).toBe(true);
          }
          forgeriesSeen += world.refusedForgeries.size;
        }),
        { numRuns: 200, seed: 0xa0d17 },
      );
      // The histories did exercise the check.
      expect(forgeriesSeen).toBeGreaterThan(60);
    },
  );
});
