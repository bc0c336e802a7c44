import type {
  FleetEventInput,
  KeyId,
  LaunchId,
  PoolId,
  ProjectId,
  WorkerId,
} from '../../../events/index.ts';
import {
  at,
  KEYS,
  MODELS,
  POOLS,
  PROJECTS,
  REQUEUE_REASONS,
  S,
  T0,
  TASKS,
  TYPES,
  WORKERS,
} from './fuzz-world.ts';
import type { EventSpec } from './fuzz-world.ts';

/** A valid event and the subject it belongs on, as JSON-ready plain data. */
export const validEvent = (x: EventSpec): { subject: string; event: FleetEventInput } => {
  const type = at(TYPES, x.type);
  // Mostly health-prod, so that tasks and workers of one project meet.
  const project = x.project < 6 ? PROJECTS[0] : PROJECTS[1];
  const pool = at(POOLS, x.pool);
  const workerId = at(WORKERS, x.worker);
  const taskId = at(TASKS, x.task);
  const keyId = at(KEYS, x.key);
  const meta = { at: T0 + x.n };
  const task = { taskId, project, pool };
  const worker = { workerId, project, pool };
  // Built on demand: only the one the event travels on.
  const p = project as ProjectId;
  const pl = pool as PoolId;
  const w = workerId as WorkerId;
  const s = {
    get submit() {
      return S.submit(p, pl);
    },
    get cancel() {
      return S.cancel(p, pl);
    },
    get dispatch() {
      return S.dispatch(p, pl);
    },
    get rejected() {
      return S.rejected(p, pl);
    },
    get report() {
      return S.report(p, pl, w);
    },
    get member() {
      return S.member(p, pl, w);
    },
    get key() {
      return S.key(p, keyId as KeyId);
    },
    get launch() {
      return S.launch(p, pl);
    },
  };
  // A few launch ids, so that requests, starts and failures meet.
  const launchId = `l${(x.n % 4).toString(16).padStart(16, '0')}` as LaunchId;
  const launch = { launchId, project, pool };
  const retention = S.retention();
  const model = at(MODELS, x.n);
  switch (type) {
    case 'task.submitted':
      return {
        subject: s.submit,
        event: {
          type,
          data: {
            ...task,
            requirements: { models: [model] },
            priority: (x.n % 3) - 1,
            maxAttempts: 1 + (x.n % 3),
            timeoutMs: 1_000 + x.n,
            payload: { n: x.n, text: 'é✓' },
            ...(x.n % 4 === 0 ? { retry: { nonRetryable: ['fatal'], initialMs: x.n } } : {}),
          },
          meta,
        },
      };
    case 'task.redriven':
      return {
        subject: s.submit,
        event: { type, data: { ...task, requirements: { models: [model] }, maxAttempts: 2 }, meta },
      };
    case 'task.cancelled':
      return { subject: s.cancel, event: { type, data: { ...task, reason: 'fuzz' }, meta } };
    case 'task.assigned':
      return {
        subject: s.dispatch,
        event: {
          type,
          data: { ...task, workerId, attempt: x.attempt, leaseExpiresAt: T0 + x.n * 10 },
          meta,
        },
      };
    case 'task.requeued':
    case 'task.dead_lettered':
      return {
        subject: s.dispatch,
        event: {
          type,
          data: { ...task, attempt: x.attempt, reason: at(REQUEUE_REASONS, x.n) },
          meta,
        },
      };
    case 'task.ready':
      return { subject: s.dispatch, event: { type, data: { ...task, attempt: x.attempt }, meta } };
    case 'task.timed_out':
      return {
        subject: s.dispatch,
        event: {
          type,
          data: {
            ...task,
            attempt: x.attempt,
            deadline: x.n % 2 === 0 ? 'deadline' : 'start_to_close',
          },
          meta,
        },
      };
    case 'task.lease_extended':
      return {
        subject: s.dispatch,
        event: {
          type,
          data: { ...task, workerId, attempt: x.attempt, leaseExpiresAt: T0 + x.n * 20 },
          meta,
        },
      };
    case 'task.completed':
      return {
        subject: s.report,
        event: {
          type,
          data: { ...task, workerId, attempt: x.attempt, output: { ok: x.n } },
          meta,
        },
      };
    case 'task.failed':
      return {
        subject: s.report,
        event: {
          type,
          data: {
            ...task,
            workerId,
            attempt: x.attempt,
            error: { message: 'boom', ...(x.n % 3 === 0 ? { code: 'fatal' } : {}) },
            retryable: x.n % 2 === 0,
            ...(x.n % 5 === 0 ? { retryAfterMs: x.n * 10 } : {}),
          },
          meta,
        },
      };
    case 'task.progress':
      return {
        subject: s.report,
        event: {
          type,
          data: { ...task, workerId, attempt: x.attempt, done: x.n, total: x.n + 1, message: 'm' },
          meta,
        },
      };
    case 'worker.enrolled':
      return {
        subject: s.member,
        event: {
          type,
          data: {
            ...worker,
            keyId,
            models: x.n % 5 === 0 ? [...MODELS] : [model],
            capacity: 1 + (x.n % 2),
            labels: { zone: x.n % 2 === 0 ? 'eu' : 'us' },
          },
          meta,
        },
      };
    case 'worker.draining':
    case 'worker.left':
      return { subject: s.report, event: { type, data: worker, meta } };
    case 'worker.lost':
      return { subject: s.dispatch, event: { type, data: { ...worker, lastSeenAt: T0 }, meta } };
    case 'worker.revoked':
      return { subject: s.member, event: { type, data: worker, meta } };
    case 'claim.rejected':
      return {
        subject: s.rejected,
        event: { type, data: { ...worker, reason: 'unknown_worker' }, meta },
      };
    case 'key.issued':
      return {
        subject: s.key,
        event: {
          type,
          data: {
            keyId,
            project,
            pool,
            maxUses: 1 + (x.n % 3),
            expiresAt: T0 + 1e9,
            secretHash: 'ab'.repeat(32),
          },
          meta,
        },
      };
    case 'key.used':
      return {
        subject: s.key,
        event: { type, data: { keyId, project, workerId, use: x.attempt }, meta },
      };
    case 'key.revoked':
      return { subject: s.key, event: { type, data: { keyId, project }, meta } };
    case 'limit.set':
      return {
        subject: S.limits(p, pl),
        event: {
          type,
          data: {
            project,
            pool,
            budget: { usd: 1 + (x.n % 5), period: { kind: 'month', timeZone: 'UTC' } },
            ...(x.n % 2 === 0 ? { rate: { tasksPerMinute: 1 + (x.n % 4) } } : {}),
            ...(x.n % 3 === 0 ? { concurrency: 1 + (x.n % 2) } : {}),
          },
          meta,
        },
      };
    case 'limit.cleared':
      return { subject: S.limits(p, pl), event: { type, data: { project, pool }, meta } };
    case 'limit.refused':
      return {
        subject: S.limits(p, pl),
        event: { type, data: { project, pool, input: '--budget-usd -1', reason: 'fuzz' }, meta },
      };
    case 'task.over_limit':
      return { subject: s.dispatch, event: { type, data: { ...task, reason: 'fuzz' }, meta } };
    case 'retention.point': {
      // Signed by nobody: the folds must still take it in their stride.
      const data = { stream: 'FLEET', firstSeq: 1 + x.n, reason: 'fuzz', at: T0 };
      const signature = 'A'.repeat(86);
      return {
        subject: retention,
        event: { type, data: { ...data, operator: `O${'A'.repeat(55)}`, signature }, meta },
      };
    }
    case 'retention.limits':
      // Unsigned: an audit with an operator key must not count it.
      return {
        subject: retention,
        event: { type, data: { stream: 'FLEET', maxAgeMs: 1_000 + x.n, at: T0 }, meta },
      };
    case 'launch.requested':
      return {
        subject: s.launch,
        event: {
          type,
          data: {
            ...launch,
            taskId,
            template: x.n % 2 === 0 ? 'box' : 'fn',
            runtime: x.n % 2 === 0 ? 'docker' : 'lambda',
            keyId,
            cost: x.n % 3,
            reason: 'fuzz',
          },
          meta,
        },
      };
    case 'launch.started':
      return { subject: s.launch, event: { type, data: { ...launch, workerId }, meta } };
    case 'launch.failed':
      return {
        subject: s.launch,
        event: {
          type,
          data: { ...launch, code: 'fuzz', message: 'fuzz', retryAt: T0 + x.n },
          meta,
        },
      };
  }
};
