/**
 * A differential test: the audit's fold is written independently of the dispatcher's, so over
 * random histories — the dispatcher's own decisions, legitimate reports and lifecycle events,
 * forged reports, and forged assignments — the two must agree on every task and worker, the
 * audit must find nothing wrong with what the dispatcher decided, and it must flag a forged
 * assignment exactly when the dispatcher's fold refuses it. (Only this test imports the
 * dispatcher; the audit itself never does.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide, evolveEntryInPlace, initialState } from '../../domain/pool/index.ts';
import type { Verdict } from '../../domain/pool/index.ts';
import { CheckLiveness, decode, encode, ServeClaims, subjects } from '../../events/index.ts';
import type {
  FleetEvent,
  FleetEventInput,
  KeyId,
  LabelConstraint,
  PoolId,
  ProjectId,
  WorkerId,
} from '../../events/index.ts';
import type { AuditItem } from './audit-item.ts';
import { auditTaskKey, auditWorkerKey } from './audit-state.ts';
import { Auditor } from './auditor.ts';

const POOL = 'gpu' as PoolId;
const PROJECTS: readonly ProjectId[] = ['health-prod' as ProjectId, 'fin-prod' as ProjectId];
const projectAt = (i: number): ProjectId => PROJECTS[i % PROJECTS.length] as ProjectId;
const T0 = 1_700_000_000_000;
const FAR = 4_102_444_800_000;
const S = subjects();

const CONSTRAINTS: LabelConstraint[] = [
  { key: 'gpu', op: 'eq', value: 'a100' },
  { key: 'gpu', op: 'in', values: ['a100', 'h100'] },
  { key: 'gpu', op: 'notIn', values: ['l4'] },
  { key: 'vram', op: 'gte', value: 40 },
  { key: 'vram', op: 'lt', value: 48 },
  { key: 'region', op: 'neq', value: 'us' },
  { key: 'reserved', op: 'exists' },
  { key: 'reserved', op: 'notExists' },
];
const GPUS = ['a100', 'h100', 'l4'];
const VRAMS = [24, 40, '80', '48'];

type Step =
  | {
      k: 'enroll';
      project: number;
      gpu: number;
      vram: number;
      us: boolean;
      reserved: boolean;
      capacity: number;
      llama: boolean;
    }
  | {
      k: 'submit';
      project: number;
      ids: number[];
      constraint: number;
      llama: boolean;
      maxAttempts: number;
    }
  | { k: 'claim'; worker: number; max: number; wrongProject: boolean }
  | { k: 'report'; task: number; outcome: 'completed' | 'retry' | 'fatal' }
  | { k: 'forged_report'; task: number; worker: number; attempt: number; completed: boolean }
  | { k: 'cancel'; task: number }
  | { k: 'lifecycle'; worker: number; to: 'draining' | 'left' | 'revoked' }
  | { k: 'liveness'; advance: number; silent: number }
  | { k: 'forged_assign'; task: number; worker: number; attemptDelta: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('enroll' as const),
      project: fc.nat(1),
      gpu: fc.nat(2),
      vram: fc.nat(3),
      us: fc.boolean(),
      reserved: fc.boolean(),
      capacity: fc.integer({ min: 1, max: 3 }),
      llama: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant('submit' as const),
      project: fc.nat(1),
      ids: fc.array(fc.nat(25), { minLength: 1, maxLength: 3 }),
      constraint: fc.nat(CONSTRAINTS.length),
      llama: fc.boolean(),
      maxAttempts: fc.integer({ min: 1, max: 3 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant('claim' as const),
      worker: fc.nat(),
      max: fc.integer({ min: 1, max: 3 }),
      wrongProject: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant('report' as const),
      task: fc.nat(),
      outcome: fc.constantFrom('completed' as const, 'retry' as const, 'fatal' as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('forged_report' as const),
      task: fc.nat(),
      worker: fc.nat(),
      attempt: fc.integer({ min: 1, max: 3 }),
      completed: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('cancel' as const), task: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('lifecycle' as const),
      worker: fc.nat(),
      to: fc.constantFrom('draining' as const, 'left' as const, 'revoked' as const),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('liveness' as const),
      advance: fc.integer({ min: 0, max: 8000 }),
      silent: fc.nat(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant('forged_assign' as const),
      task: fc.nat(),
      worker: fc.nat(),
      attemptDelta: fc.integer({ min: -1, max: 1 }),
    }),
  },
);

/** One history: the dispatcher's fold and the audit side by side over the same stored messages. */
class World {
  readonly state = initialState({ pool: POOL, clockSkewMs: 1000 });
  readonly auditor = new Auditor();
  readonly items: AuditItem[] = [];
  /** Sequences of forged assignments the dispatcher refused, and of those it accepted. */
  readonly refusedForgeries = new Set<number>();
  readonly acceptedForgeries = new Set<number>();
  /** Forged assignments that lost to a cancellation: refused by both, but not a violation. */
  readonly staleForgeries = new Set<number>();
  now = T0;
  workers: { id: string; project: ProjectId }[] = [];
  keyUses = new Map<string, number>();
  /** The dispatcher's verdicts on the events of the last message appended. */
  verdicts: Verdict[] = [];

  constructor() {
    for (const project of PROJECTS)
      this.append(S.key(project, `k-${project}` as KeyId), {
        type: 'key.issued',
        data: {
          keyId: `k-${project}`,
          project,
          pool: POOL,
          maxUses: 1000,
          expiresAt: FAR,
          secretHash: 'c'.repeat(64),
        },
        meta: { at: T0 },
      });
  }

  append(subject: string, events: FleetEventInput | FleetEventInput[]): number {
    const seq = this.items.length + 1;
    const decoded = decode(subject, encode(events));
    if (!decoded.ok) throw new Error(`the test built an invalid message: ${decoded.error.message}`);
    const entry = { seq, at: this.now, events: decoded.value.events };
    this.verdicts = evolveEntryInPlace(this.state, entry);
    const item = { subject, seq, at: this.now, entry };
    this.items.push(item);
    this.auditor.add(item);
    return seq;
  }

  /** Appends a dispatcher's decisions as its host would: one message per subject, in order. */
  appendDecisions(events: readonly FleetEvent[]): void {
    const groups = new Map<string, FleetEvent[]>();
    for (const e of events) {
      const d = e.data as { project: ProjectId; pool: PoolId };
      const subject =
        e.type === 'claim.rejected' ? S.rejected(d.project, d.pool) : S.dispatch(d.project, d.pool);
      groups.set(subject, [...(groups.get(subject) ?? []), e]);
    }
    for (const [subject, group] of groups) this.append(subject, group);
  }

  tasks() {
    return Object.values(this.state.tasks);
  }

  run(step: Step): void {
    this.now += 10;
    const at = { at: this.now };
    switch (step.k) {
      case 'enroll': {
        const project = projectAt(step.project);
        const id = `w${this.workers.length}`;
        const key = `k-${project}`;
        const use = (this.keyUses.get(key) ?? 0) + 1;
        this.keyUses.set(key, use);
        this.append(S.key(project, key as KeyId), {
          type: 'key.used',
          data: { keyId: key, project, workerId: id, use },
          meta: at,
        });
        this.append(S.member(project, POOL, id as WorkerId), {
          type: 'worker.enrolled',
          data: {
            workerId: id,
            project,
            pool: POOL,
            keyId: key,
            models: step.llama ? ['llama'] : ['mistral'],
            labels: {
              gpu: GPUS[step.gpu] ?? 'l4',
              vram: VRAMS[step.vram] ?? 24,
              ...(step.us ? { region: 'us' } : {}),
              ...(step.reserved ? { reserved: 'yes' } : {}),
            },
            exclusive: step.reserved ? ['reserved'] : [],
            capacity: step.capacity,
          },
          meta: at,
        });
        this.workers.push({ id, project });
        return;
      }
      case 'submit': {
        const project = projectAt(step.project);
        const constraint = CONSTRAINTS[step.constraint];
        this.append(
          S.submit(project, POOL),
          step.ids.map((i) => ({
            type: 'task.submitted' as const,
            data: {
              taskId: `t${i}`,
              project,
              pool: POOL,
              requirements: {
                ...(step.llama ? { models: ['llama'] } : {}),
                labels: constraint === undefined ? [] : [constraint],
              },
              maxAttempts: step.maxAttempts,
              timeoutMs: 5000,
            },
            meta: at,
          })),
        );
        return;
      }
      case 'claim': {
        const w = this.workers[step.worker % Math.max(1, this.workers.length)];
        if (w === undefined) return;
        const project = step.wrongProject ? projectAt(PROJECTS.indexOf(w.project) + 1) : w.project;
        const cmd = ServeClaims.parse({
          type: 'serve_claims',
          data: { claims: [{ workerId: w.id, project, pool: POOL, max: step.max }] },
          meta: { now: this.now },
        });
        this.appendDecisions(decide(this.state, cmd));
        return;
      }
      case 'report': {
        const assigned = this.tasks().filter((t) => t.status === 'assigned');
        const t = assigned[step.task % Math.max(1, assigned.length)];
        if (t?.status !== 'assigned') return;
        const ref = {
          taskId: t.id,
          project: t.demand.project,
          pool: POOL,
          workerId: t.workerId,
          attempt: t.attempt,
        };
        this.append(
          S.report(t.demand.project, POOL, t.workerId),
          step.outcome === 'completed'
            ? { type: 'task.completed', data: ref, meta: at }
            : {
                type: 'task.failed',
                data: { ...ref, error: { message: 'x' }, retryable: step.outcome === 'retry' },
                meta: at,
              },
        );
        return;
      }
      case 'forged_report': {
        const t = this.tasks()[step.task % Math.max(1, this.tasks().length)];
        const w = this.workers[step.worker % Math.max(1, this.workers.length)];
        if (t === undefined || w === undefined || w.project !== t.demand.project) return;
        const ref = {
          taskId: t.id,
          project: w.project,
          pool: POOL,
          workerId: w.id,
          attempt: step.attempt,
        };
        this.append(
          S.report(w.project, POOL, w.id as WorkerId),
          step.completed
            ? { type: 'task.completed', data: ref, meta: at }
            : { type: 'task.failed', data: { ...ref, error: { message: 'forged' } }, meta: at },
        );
        return;
      }
      case 'cancel': {
        const t = this.tasks()[step.task % Math.max(1, this.tasks().length)];
        if (t === undefined) return;
        this.append(S.cancel(t.demand.project, POOL), {
          type: 'task.cancelled',
          data: { taskId: t.id, project: t.demand.project, pool: POOL },
          meta: at,
        });
        return;
      }
      case 'lifecycle': {
        const w = this.workers[step.worker % Math.max(1, this.workers.length)];
        if (w === undefined) return;
        const ref = { workerId: w.id, project: w.project, pool: POOL };
        const id = w.id as WorkerId;
        if (step.to === 'revoked')
          this.append(S.member(w.project, POOL, id), {
            type: 'worker.revoked',
            data: ref,
            meta: at,
          });
        else
          this.append(S.report(w.project, POOL, id), {
            type: step.to === 'draining' ? 'worker.draining' : 'worker.left',
            data: ref,
            meta: at,
          });
        return;
      }
      case 'liveness': {
        this.now += step.advance;
        const silent = this.workers[step.silent % Math.max(1, this.workers.length)]?.id;
        const lastSeen = Object.fromEntries(
          this.workers.filter((w) => w.id !== silent).map((w) => [w.id, this.now]),
        );
        const cmd = CheckLiveness.parse({
          type: 'check_liveness',
          data: { lastSeen, graceFrom: T0 },
          meta: { now: this.now },
        });
        this.appendDecisions(decide(this.state, cmd));
        return;
      }
      case 'forged_assign': {
        const t = this.tasks()[step.task % Math.max(1, this.tasks().length)];
        const w = this.workers[step.worker % Math.max(1, this.workers.length)];
        if (t === undefined || w === undefined) return;
        const seq = this.append(S.dispatch(t.demand.project, POOL), {
          type: 'task.assigned',
          data: {
            taskId: t.id,
            project: t.demand.project,
            pool: POOL,
            workerId: w.id,
            attempt: Math.max(1, t.attempts + 1 + step.attemptDelta),
            leaseExpiresAt: this.now + 5000,
          },
          meta: at,
        });
        if (this.verdicts.every((v) => v.kind === 'applied')) this.acceptedForgeries.add(seq);
        else if (t.status === 'cancelled') this.staleForgeries.add(seq);
        else this.refusedForgeries.add(seq);
        return;
      }
    }
  }

  /** The two folds agree on every task and every worker. */
  compare(): void {
    const audit = this.auditor.state;
    const mine = [...audit.tasks.values()].map((t) => ({
      key: t.key,
      status: t.status,
      attempts: t.attempts,
      holder: t.live?.workerId,
    }));
    const theirs = this.tasks().map((t) => ({
      key: auditTaskKey(t.demand.project, t.demand.pool, t.id),
      status: t.status,
      attempts: t.attempts,
      holder: t.status === 'assigned' ? t.workerId : undefined,
    }));
    const byKey = <T extends { key: string }>(xs: T[]) =>
      xs.sort((a, b) => a.key.localeCompare(b.key));
    expect(byKey(mine)).toEqual(byKey(theirs));
    const myWorkers = [...audit.workers.values()].map((w) => ({
      key: auditWorkerKey(w.pool, w.workerId),
      status: w.status,
      held: [...w.held].sort(),
    }));
    const theirWorkers = Object.values(this.state.workers).map((w) => ({
      key: auditWorkerKey(w.capability.pool, w.id),
      status: w.status,
      held: w.held
        .map((k) => {
          const t = this.state.tasks[k];
          return t === undefined ? k : auditTaskKey(t.demand.project, t.demand.pool, t.id);
        })
        .sort(),
    }));
    expect(byKey(myWorkers)).toEqual(byKey(theirWorkers));
  }
}

describe('the audit and the dispatcher, over random histories', () => {
  it('agree on every task and worker; the audit flags exactly the forged assignments the dispatcher refused', () => {
    let forgeriesSeen = 0;
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 5, maxLength: 60 }), (steps) => {
        const world = new World();
        for (const step of steps) world.run(step);
        world.compare();
        const flagged = new Map<number, string[]>();
        for (const v of world.auditor.state.violations) {
          const last = v.seqs.at(-1) ?? 0;
          flagged.set(last, [...(flagged.get(last) ?? []), v.kind]);
        }
        for (const seq of world.refusedForgeries) expect(flagged.has(seq), `seq ${seq}`).toBe(true);
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
  });
});
