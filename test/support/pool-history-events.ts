import { ev } from './builders.ts';
import { initialState } from '../../domain/pool/index.ts';
import type {
  AssignedTask,
  DispatchState,
  TaskState,
  WorkerState,
} from '../../domain/pool/index.ts';
import { POOL, T0, CONFIG, projectAt, isAssigned, STATUS_OF_REASON } from './pool-world.ts';
import type { TaskSpec, WorkerSpec } from './pool-generators.ts';

/** The pool's state as a history left it, and builders of the events a history appends. */
export class HistoryEvents {
  state: DispatchState = initialState(CONFIG);
  clock = T0;
  protected nextGhost = 0;

  protected get workers(): WorkerState[] {
    return Object.values(this.state.workers);
  }
  protected get tasks(): TaskState[] {
    return [...this.state.tasks.values()];
  }

  // -- event builders -------------------------------------------------------------------------

  protected enrollment(workerId: string, w: WorkerSpec, pool: string = POOL) {
    const { project: index, ...capability } = w;
    const project = projectAt(index);
    return ev(
      'worker.enrolled',
      { workerId, project, pool, keyId: `k-${project}`, ...capability },
      this.clock,
    );
  }

  protected submission(taskId: string, project: string, t: TaskSpec, pool: string = POOL) {
    return ev(
      'task.submitted',
      { taskId, project, pool, ...t, payload: { prompt: taskId } },
      this.clock,
    );
  }

  protected cancellation(t: TaskState, over: { project?: string; pool?: string } = {}) {
    return ev(
      'task.cancelled',
      {
        taskId: t.id,
        project: over.project ?? t.demand.project,
        pool: over.pool ?? POOL,
        reason: 'no longer needed',
      },
      this.clock,
    );
  }

  protected lifecycle(
    to: 'draining' | 'left' | 'revoked' | 'lost',
    w: { id: string; capability: { project: string } },
    over: { project?: string; pool?: string } = {},
  ) {
    const data = {
      workerId: w.id,
      project: over.project ?? w.capability.project,
      pool: over.pool ?? POOL,
    };
    switch (to) {
      case 'draining':
        return ev('worker.draining', data, this.clock);
      case 'left':
        return ev('worker.left', data, this.clock);
      case 'revoked':
        return ev('worker.revoked', { ...data, reason: 'operator' }, this.clock);
      case 'lost':
        return ev(
          'worker.lost',
          { ...data, lastSeenAt: Math.max(0, this.clock - 5000) },
          this.clock,
        );
    }
  }

  protected report(
    t: TaskState,
    workerId: string,
    outcome: 'completed' | 'retryable' | 'fatal',
    over: { project?: string; pool?: string; attempt?: number } = {},
  ) {
    const data = {
      taskId: t.id,
      project: over.project ?? t.demand.project,
      pool: over.pool ?? POOL,
      workerId,
      attempt: over.attempt ?? (isAssigned(t) ? t.attempt : Math.max(1, t.attempts)),
      usage: { tokensIn: 12, tokensOut: 34, durationMs: 56 },
    };
    return outcome === 'completed'
      ? ev('task.completed', { ...data, output: { text: 'done' } }, this.clock)
      : ev(
          'task.failed',
          { ...data, error: { message: 'boom' }, retryable: outcome === 'retryable' },
          this.clock,
        );
  }

  protected assignment(
    t: TaskState | undefined,
    w: WorkerState | undefined,
    over: { project?: string; pool?: string; attempt?: number } = {},
  ) {
    return ev(
      'task.assigned',
      {
        taskId: t?.id ?? `ghost-task-${this.nextGhost++}`,
        project: over.project ?? t?.demand.project ?? w?.capability.project ?? 'ops',
        pool: over.pool ?? POOL,
        workerId: w?.id ?? `ghost-worker-${this.nextGhost++}`,
        attempt: over.attempt ?? (t === undefined ? 1 : t.attempts + 1),
        leaseExpiresAt:
          this.clock + (t !== undefined && 'timeoutMs' in t.demand ? t.demand.timeoutMs : 1000),
      },
      this.clock,
    );
  }

  protected abandonment(
    type: 'task.requeued' | 'task.dead_lettered',
    t: TaskState | undefined,
    reason: 'lease_expired' | 'worker_lost' | 'worker_revoked' | 'worker_left',
    over: { project?: string; pool?: string; attempt?: number } = {},
  ) {
    const data = {
      taskId: t?.id ?? `ghost-task-${this.nextGhost++}`,
      project: over.project ?? t?.demand.project ?? 'ops',
      pool: over.pool ?? POOL,
      attempt: over.attempt ?? (t === undefined ? 1 : isAssigned(t) ? t.attempt : t.attempts + 1),
      reason,
    };
    return type === 'task.requeued'
      ? ev('task.requeued', data, this.clock)
      : ev('task.dead_lettered', data, this.clock);
  }

  /** Reasons for abandoning `t` that the log supports at this position, and those it does not. */
  protected reasons(t: AssignedTask) {
    const holder = this.state.workers[t.workerId];
    const all = ['lease_expired', 'worker_lost', 'worker_revoked', 'worker_left'] as const;
    const founded = (r: (typeof all)[number]) =>
      r === 'lease_expired'
        ? this.clock + CONFIG.clockSkewMs >= t.leaseExpiresAt
        : holder?.status === STATUS_OF_REASON[r];
    return { founded: all.filter(founded), unfounded: all.filter((r) => !founded(r)) };
  }
}
