/**
 * The audit's own rule for tasks a dispatcher forgot (forgotten.ts) against the pool's fold:
 * an id submitted again after its task was forgotten is a new task to both, a redrive of a
 * forgotten dead letter changes nothing in either, and nothing of it is a violation.
 */
import { describe, expect, it } from 'vitest';
import type { ProjectId } from '../../events/index.ts';
import { World } from '../../test/support/audit-dispatcher-world.ts';
import { PROJECTS, POOL, S } from '../../test/support/audit-history-steps.ts';
import { auditTaskKey } from './audit-state.ts';
import { isForgotten } from './forgotten.ts';

const project = PROJECTS[0] as ProjectId;
const submit = (ids: number[]) =>
  ({ k: 'submit', project: 0, ids, constraint: 99, llama: true, maxAttempts: 1 }) as const;
const redrive = (world: World, taskId: string) =>
  world.append(S.submit(project, POOL), {
    type: 'task.redriven',
    data: { taskId, project, pool: POOL, requirements: { models: ['llama'] }, maxAttempts: 1 },
    meta: { at: world.now },
  });

describe('tasks the dispatcher forgot, as the audit sees them', () => {
  it('agree with the dispatcher on ids used again and on redrives, with no violation', () => {
    const world = new World({ forgetEndedAfterMs: 100, forgetDeadLettersAfterMs: 1_000 });
    world.run({
      k: 'enroll',
      project: 0,
      gpu: 0,
      vram: 0,
      us: false,
      reserved: false,
      capacity: 3,
      llama: true,
    });
    world.run(submit([1, 2, 3]));
    world.run({ k: 'claim', worker: 0, max: 3, wrongProject: false });
    world.run({ k: 'report', task: 0, outcome: 'completed' }); // t1
    world.run({ k: 'report', task: 0, outcome: 'retry' }); // t2: its last attempt, a dead letter
    world.run({ k: 'report', task: 0, outcome: 'completed' }); // t3
    const audit = world.auditor.state;
    const t1 = () => audit.tasks.get(auditTaskKey(project, POOL, 't1'));
    expect(t1()).toMatchObject({ status: 'completed' });
    // Within the setting, a resubmission is a duplicate to both.
    world.run(submit([1]));
    expect(world.verdicts).toEqual([expect.objectContaining({ reason: 'duplicate' })]);
    world.run({ k: 'liveness', advance: 200, silent: 99 });
    // Time passes (no message needs storing): the next message of the pool moves its clock.
    const before = t1() ?? expect.fail('no t1');
    expect(isForgotten(audit, before)).toBe(false);
    // Past it: a new task to both, assigned again from attempt 1, and no violation.
    world.run(submit([1]));
    expect(world.verdicts).toEqual([{ kind: 'applied' }]);
    expect(isForgotten(audit, before)).toBe(true);
    world.run({ k: 'claim', worker: 0, max: 1, wrongProject: false });
    expect(t1()).toMatchObject({ status: 'assigned', attempts: 1 });
    world.compare();
    // The dead letter is kept longer: redriven once, then forgotten, then redriven in vain.
    expect(redrive(world, 't2')).toBeGreaterThan(0);
    expect(world.verdicts).toEqual([{ kind: 'applied' }]);
    world.run({ k: 'claim', worker: 0, max: 1, wrongProject: false });
    const t2 = () => audit.tasks.get(auditTaskKey(project, POOL, 't2'));
    for (let i = 0; i < 2 && t2()?.status === 'assigned'; i += 1)
      world.run({ k: 'report', task: i, outcome: 'retry' });
    expect(t2()).toMatchObject({ status: 'dead_lettered', attempts: 2 });
    world.compare();
    world.run({ k: 'liveness', advance: 2_000, silent: 99 });
    redrive(world, 't2');
    expect(world.verdicts).toEqual([expect.objectContaining({ reason: 'unknown_task' })]);
    world.compare();
    expect(audit.counts.noEffect.unknown_task).toBe(1);
    expect(audit.violations).toEqual([]);
  });
});
