import type { FleetEvent, ProjectId } from '../../events/index.ts';
import { QueuedTask, taskKey, unmetRequirements } from '../../domain/pool/index.ts';
import type { AssignedTask, TaskState } from '../../domain/pool/index.ts';
import {
  POOL,
  OTHER_POOL,
  PROJECTS,
  projectAt,
  otherProject,
  pick,
  isAssigned,
  isEnded,
  live,
  FROM,
} from './pool-world.ts';
import type { Act, WorkerSpec } from './pool-generators.ts';
import { HistoryEvents } from './pool-history-events.ts';

/** Builds the adversarial entries of a history: each certainly invalid at its position. */
export class Forger extends HistoryEvents {
  // -- adversarial entries --------------------------------------------------------------------

  /**
   * Builds the adversarial entry `a` asks for. Each is constructed to carry at least one defect
   * the fold must refuse; where the state offers no target for the intended defect, a simpler
   * certain defect (a wrong attempt, an unknown id) stands in.
   */
  protected forge(a: Extract<Act, { k: 'adv' }>): FleetEvent | 'unreadable' {
    const { i, j, x } = a;
    const s = this.state;
    const ws = this.workers;
    const ts = this.tasks;
    const queued = ts.filter((t) => t.status === 'queued');
    const assigned = ts.filter(isAssigned);
    const sameProject = (p: string) => ws.filter((w) => w.capability.project === p);
    // Another project in which task id `t.id` does not exist: naming it there finds nothing.
    // (Ids are per project, so where it does exist the event would name that project's task.)
    const foreign = (t: TaskState, n: number) =>
      pick(
        PROJECTS.filter(
          (q) => q !== t.demand.project && s.tasks.get(taskKey(q, t.id)) === undefined,
        ),
        n,
      );
    const outcome = (['completed', 'retryable', 'fatal'] as const)[x % 3] ?? 'completed';
    // A certainly wrong next attempt for a queued task.
    const wrongNext = (t: TaskState) =>
      t.attempts >= 1 && x % 2 === 0 ? t.attempts : t.attempts + 2 + (x % 2);
    const staleAssign = () => {
      const t = pick(queued, i);
      const w = t === undefined ? undefined : pick(sameProject(t.demand.project), j);
      return this.assignment(t, w, { attempt: t === undefined ? 1 : wrongNext(t) });
    };
    // A certainly stale attempt for an assigned task.
    const wrongCurrent = (t: AssignedTask) =>
      t.attempt > 1 && x % 2 === 0 ? t.attempt - 1 : t.attempt + 1 + (x % 2);

    switch (a.kind) {
      case 'assign_cross_project': {
        const t = pick(queued, i);
        if (t === undefined) return this.assignment(undefined, pick(ws, j));
        const w = pick(
          ws.filter((v) => v.capability.project !== t.demand.project),
          j,
        );
        // Either the task's project (the worker is foreign) or the worker's (no such task there).
        const inWorkers =
          x % 2 === 1 &&
          w !== undefined &&
          s.tasks.get(taskKey(w.capability.project, t.id)) === undefined;
        return this.assignment(t, w, {
          project: inWorkers ? w.capability.project : t.demand.project,
        });
      }
      case 'assign_unmet': {
        const options = queued.flatMap((t) =>
          ws
            .filter(
              (w) =>
                w.status === 'active' &&
                w.held.length < w.capacity &&
                w.capability.project === t.demand.project &&
                unmetRequirements(t.demand, w.capability).length > 0,
            )
            .map((w) => [t, w] as const),
        );
        const o = pick(options, i);
        return o === undefined ? staleAssign() : this.assignment(o[0], o[1]);
      }
      case 'assign_inactive_worker': {
        const options = queued.flatMap((t) =>
          sameProject(t.demand.project)
            .filter((w) => w.status !== 'active')
            .map((w) => [t, w] as const),
        );
        const o = pick(options, i);
        return o === undefined ? staleAssign() : this.assignment(o[0], o[1]);
      }
      case 'assign_double': {
        const t = pick(
          ts.filter((v) => v.status !== 'queued'),
          i,
        );
        const w = t === undefined ? pick(ws, j) : pick(sameProject(t.demand.project), j);
        return this.assignment(t, w, { attempt: t === undefined ? 1 : t.attempts + 1 });
      }
      case 'assign_wrong_attempt':
        return staleAssign();
      case 'assign_over_capacity': {
        const options = ws
          .filter((w) => w.status === 'active' && w.held.length >= w.capacity)
          .flatMap((w) =>
            queued
              .filter((t) => t.demand.project === w.capability.project)
              .map((t) => [t, w] as const),
          );
        const o = pick(options, i);
        return o === undefined ? staleAssign() : this.assignment(o[0], o[1]);
      }
      case 'assign_other_pool': {
        const t = pick(queued, i);
        const w = t === undefined ? undefined : pick(sameProject(t.demand.project), j);
        return this.assignment(t, w, { pool: OTHER_POOL });
      }

      case 'report_cross_project': {
        const t = pick(assigned, i);
        if (t === undefined) return this.report(pick(ts, i) ?? ghostTask(), 'ghost-w', outcome);
        const stranger = pick(
          ws.filter(
            (w) =>
              w.capability.project !== t.demand.project &&
              s.tasks.get(taskKey(w.capability.project, t.id)) === undefined,
          ),
          j,
        );
        return x % 2 === 0 || stranger === undefined
          ? this.report(t, t.workerId, outcome, { project: otherProject(t.demand.project, j) })
          : this.report(t, stranger.id, outcome, { project: stranger.capability.project });
      }
      case 'report_stale_attempt': {
        const t = pick(assigned, i);
        if (t === undefined) return this.report(ghostTask(), pick(ws, j)?.id ?? 'w0', outcome);
        return this.report(t, t.workerId, outcome, { attempt: wrongCurrent(t) });
      }
      case 'report_non_holder': {
        const t = pick(assigned, i);
        if (t === undefined) return this.report(ghostTask(), pick(ws, j)?.id ?? 'w0', outcome);
        const other = pick(
          sameProject(t.demand.project).filter((w) => w.id !== t.workerId),
          j,
        );
        return this.report(t, other?.id ?? `ghost-worker-${this.nextGhost++}`, outcome);
      }
      case 'report_inactive_holder': {
        const t = pick(
          assigned.filter((v) => !live(s.workers[v.workerId])),
          i,
        );
        if (t !== undefined) return this.report(t, t.workerId, outcome);
        const u = pick(assigned, i);
        if (u === undefined) return this.report(ghostTask(), pick(ws, j)?.id ?? 'w0', outcome);
        return this.report(u, u.workerId, outcome, { attempt: wrongCurrent(u) });
      }
      case 'report_unassigned': {
        const t = pick(
          ts.filter((v) => !isAssigned(v)),
          i,
        );
        if (t === undefined) return this.report(ghostTask(), pick(ws, j)?.id ?? 'w0', outcome);
        const w = pick(sameProject(t.demand.project), j);
        return this.report(t, w?.id ?? 'w0', outcome);
      }
      case 'report_other_pool': {
        const t = pick(
          assigned.filter((v) => live(s.workers[v.workerId])),
          i,
        );
        if (t === undefined) return this.report(ghostTask(), pick(ws, j)?.id ?? 'w0', outcome);
        return this.report(t, t.workerId, outcome, { pool: OTHER_POOL });
      }

      case 'abandon_unfounded': {
        const t = pick(assigned, i);
        const type = x % 2 === 0 ? 'task.requeued' : 'task.dead_lettered';
        if (t === undefined) return this.abandonment(type, undefined, 'worker_lost');
        const reason = pick(this.reasons(t).unfounded, j) ?? 'worker_left';
        return this.abandonment(type, t, reason);
      }
      case 'abandon_stale_attempt': {
        const t = pick(assigned, i);
        const type = x % 2 === 0 ? 'task.requeued' : 'task.dead_lettered';
        if (t === undefined) return this.abandonment(type, undefined, 'lease_expired');
        const { founded, unfounded } = this.reasons(t);
        const reason = pick(founded, j) ?? pick(unfounded, j) ?? 'lease_expired';
        return this.abandonment(type, t, reason, { attempt: wrongCurrent(t) });
      }
      case 'abandon_unassigned': {
        const t = pick(
          ts.filter((v) => !isAssigned(v)),
          i,
        );
        const type = x % 2 === 0 ? 'task.requeued' : 'task.dead_lettered';
        return this.abandonment(type, t, 'lease_expired', {
          attempt: t === undefined ? 1 : Math.max(1, t.attempts),
        });
      }
      case 'abandon_cross_project': {
        const t = pick(assigned, i);
        const type = x % 2 === 0 ? 'task.requeued' : 'task.dead_lettered';
        if (t === undefined) return this.abandonment(type, undefined, 'worker_left');
        const reason = pick(this.reasons(t).founded, j) ?? 'lease_expired';
        const project = foreign(t, j);
        return project === undefined
          ? this.abandonment(type, t, reason, { attempt: wrongCurrent(t) })
          : this.abandonment(type, t, reason, { project });
      }
      case 'abandon_other_pool': {
        // Everything right but the pool: the attempt, a founded reason, the right type.
        const options = assigned.filter((v) => this.reasons(v).founded.length > 0);
        const t = pick(options, i);
        if (t === undefined) return this.abandonment('task.requeued', undefined, 'worker_left');
        const reason = pick(this.reasons(t).founded, j) ?? 'lease_expired';
        const type = t.attempt < t.maxAttempts ? 'task.requeued' : 'task.dead_lettered';
        return this.abandonment(type, t, reason, { pool: OTHER_POOL });
      }
      case 'dead_letter_attempts_remain': {
        const t = pick(
          assigned.filter((v) => v.attempt < v.maxAttempts),
          i,
        );
        if (t === undefined)
          return this.abandonment('task.dead_lettered', undefined, 'worker_lost');
        const { founded, unfounded } = this.reasons(t);
        const reason = pick(founded, j) ?? pick(unfounded, j) ?? 'worker_lost';
        return this.abandonment('task.dead_lettered', t, reason);
      }
      case 'requeue_last_attempt': {
        // The last allowed attempt was abandoned: the contract says dead-letter, not requeue.
        const t = pick(
          assigned.filter((v) => v.attempt >= v.maxAttempts),
          i,
        );
        if (t === undefined) return this.abandonment('task.requeued', undefined, 'worker_lost');
        const { founded, unfounded } = this.reasons(t);
        const reason = pick(founded, j) ?? pick(unfounded, j) ?? 'worker_lost';
        return this.abandonment('task.requeued', t, reason);
      }

      case 'submit_duplicate': {
        const t = pick(ts, i);
        const spec = { requirements: { labels: [] }, priority: 0, maxAttempts: 1, timeoutMs: 1000 };
        if (t === undefined) return this.submission(`cpu-t${this.nextGhost++}`, 'ops', spec, 'cpu');
        return this.submission(t.id, t.demand.project, spec);
      }
      case 'submit_other_pool': {
        const spec = { requirements: { labels: [] }, priority: 0, maxAttempts: 1, timeoutMs: 1000 };
        return this.submission(`cpu-t${this.nextGhost++}`, projectAt(j), spec, OTHER_POOL);
      }
      case 'enroll_duplicate':
      case 'enroll_other_pool': {
        const w = a.kind === 'enroll_duplicate' ? pick(ws, i) : undefined;
        const spec: WorkerSpec = {
          project: j % PROJECTS.length,
          models: ['llama'],
          labels: {},
          exclusive: [],
          runtime: { kind: 'process' },
          capacity: 1 + (x % 3),
        };
        return w === undefined
          ? this.enrollment(`cpu-w${this.nextGhost++}`, spec, OTHER_POOL)
          : this.enrollment(w.id, spec);
      }
      case 'lifecycle_invalid': {
        const targets = (['draining', 'left', 'lost', 'revoked'] as const).flatMap((to) =>
          ws
            .filter((w) => !(FROM[to] as readonly string[]).includes(w.status))
            .map((w) => [to, w] as const),
        );
        const o = pick(targets, i);
        if (o !== undefined) return this.lifecycle(o[0], o[1]);
        return this.lifecycle('draining', ghostWorker(this.nextGhost++));
      }
      case 'lifecycle_cross_project':
      case 'lifecycle_other_pool': {
        const w = pick(ws, i);
        const to = (['draining', 'left', 'lost', 'revoked'] as const)[j % 4] ?? 'left';
        if (w === undefined) return this.lifecycle(to, ghostWorker(this.nextGhost++));
        return a.kind === 'lifecycle_cross_project'
          ? this.lifecycle(to, w, { project: otherProject(w.capability.project, x) })
          : this.lifecycle(to, w, { pool: OTHER_POOL });
      }
      case 'lifecycle_unknown':
        return this.lifecycle(
          (['draining', 'left', 'lost', 'revoked'] as const)[j % 4] ?? 'left',
          ghostWorker(this.nextGhost++),
        );
      case 'cancel_ended':
        return this.cancellation(
          pick(
            ts.filter((t) => isEnded(t)),
            i,
          ) ?? ghostTask(),
        );
      case 'cancel_cross_project': {
        const t = pick(ts, i) ?? ghostTask();
        const project = foreign(t, j);
        return project === undefined
          ? this.cancellation(ghostTask())
          : this.cancellation(t, { project });
      }
      case 'cancel_unknown':
        return this.cancellation(ghostTask());
      case 'cancel_other_pool': {
        const t = pick(
          ts.filter((v) => !isEnded(v)),
          i,
        );
        return t === undefined
          ? this.cancellation(ghostTask())
          : this.cancellation(t, { pool: OTHER_POOL });
      }
      case 'unreadable':
        return 'unreadable';
    }
  }
}

/** A task that no log ever submitted. */
const ghostTask = (): TaskState => {
  const demand = {
    project: 'ops' as ProjectId,
    pool: POOL,
    requirements: { labels: [] },
    timeoutMs: 1000,
  };
  return new QueuedTask(
    taskKey('ops', 'ghost-task'),
    { demand, reqSig: '', priority: 0, maxAttempts: 1 },
    0,
    0,
    null,
  );
};
const ghostWorker = (n: number) => ({
  id: `ghost-worker-${n}`,
  capability: { project: 'ops' },
});
