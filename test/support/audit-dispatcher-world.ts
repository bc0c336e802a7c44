import { expect } from 'vitest';
import { decide, evolveEntryInPlace, initialState } from '../../domain/pool/index.ts';
import type { DispatchState, FairShare, Verdict } from '../../domain/pool/index.ts';
import { isForgotten } from '../../projections/audit/forgotten.ts';
import { CheckLiveness, decode, encode, ServeClaims } from '../../events/index.ts';
import type {
  FleetEvent,
  FleetEventInput,
  KeyId,
  PoolId,
  ProjectId,
  WorkerId,
} from '../../events/index.ts';
import type { AuditItem } from '../../projections/audit/audit-item.ts';
import { auditTaskKey, auditWorkerKey } from '../../projections/audit/audit-state.ts';
import { Auditor } from '../../projections/audit/auditor.ts';
import {
  CONSTRAINTS,
  FAR,
  GPUS,
  POOL,
  projectAt,
  PROJECTS,
  S,
  T0,
  VRAMS,
} from './audit-history-steps.ts';
import type { Step } from './audit-history-steps.ts';

/** One history: the dispatcher's fold and the audit side by side over the same stored messages. */
export class World {
  readonly state: DispatchState;
  readonly auditor: Auditor;
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

  /**
   * `fairShare`: what the pool's fair share counts (tasks unless given); `forget…`: after how long
   * both forget ended tasks and dead letters (their defaults if not).
   */
  constructor(
    options: {
      fairShare?: FairShare;
      forgetEndedAfterMs?: number;
      forgetDeadLettersAfterMs?: number;
    } = {},
  ) {
    const { fairShare, ...forget } = options;
    this.state = initialState({
      pool: POOL,
      clockSkewMs: 1000,
      ...forget,
      ...(fairShare === undefined ? {} : { fairShare }),
    });
    this.auditor = new Auditor(forget);
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
    return [...this.state.tasks.values()];
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
    // A task the dispatcher forgot is gone from its state; the audit keeps it, as forgotten.
    const mine = [...audit.tasks.values()]
      .filter((t) => !isForgotten(audit, t))
      .map((t) => ({
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
          const t = this.state.tasks.get(k);
          return t === undefined ? k : auditTaskKey(t.demand.project, t.demand.pool, t.id);
        })
        .sort(),
    }));
    expect(byKey(myWorkers)).toEqual(byKey(theirWorkers));
  }
}
