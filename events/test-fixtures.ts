/**
 * Test-only fixtures of the wire contract: one valid event of every type and a subject that
 * admits it. Not exported from `index.ts`; imported by the contract's tests and the schema tests.
 */
import type { EventType, FleetEventInput } from './fleet-event.ts';
import type { KeyId, PoolId, ProjectId, TaskId, WorkerId } from './ids.ts';
import { subjects } from './subjects.ts';

/** The identities every sample uses. */
export const sample = {
  project: 'acme' as ProjectId,
  pool: 'gpu' as PoolId,
  workerId: 'w-1' as WorkerId,
  keyId: 'k-1' as KeyId,
  taskId: 't-1' as TaskId,
  at: 1_700_000_000_000,
} as const;

const { project, pool, workerId, keyId, taskId, at } = sample;
const meta = { at };
const task = { taskId, project, pool };
const worker = { workerId, project, pool };

/** One valid event of each type, as a writer would send it (defaults mostly left out). */
export const sampleEvents: { readonly [T in EventType]: Extract<FleetEventInput, { type: T }> } = {
  'key.issued': {
    type: 'key.issued',
    data: {
      keyId,
      project,
      pool,
      maxUses: 5,
      expiresAt: at + 3_600_000,
      secretHash: 'a'.repeat(64),
    },
    meta,
  },
  'key.used': { type: 'key.used', data: { keyId, project, workerId, use: 1 }, meta },
  'key.revoked': { type: 'key.revoked', data: { keyId, project, reason: 'leaked' }, meta },
  'worker.enrolled': {
    type: 'worker.enrolled',
    data: { ...worker, keyId, models: ['llama-3.1-70b'], labels: { gpu: 'a100', vram: 80 } },
    meta,
  },
  'worker.draining': { type: 'worker.draining', data: worker, meta },
  'worker.left': { type: 'worker.left', data: worker, meta },
  'worker.lost': { type: 'worker.lost', data: { ...worker, lastSeenAt: at - 1 }, meta },
  'worker.revoked': { type: 'worker.revoked', data: worker, meta },
  'task.submitted': {
    type: 'task.submitted',
    data: { ...task, requirements: { models: ['llama-3.1-70b'] }, payload: { prompt: 'hi' } },
    meta,
  },
  'task.cancelled': { type: 'task.cancelled', data: task, meta },
  'task.redriven': {
    type: 'task.redriven',
    data: { ...task, requirements: { models: ['llama-3.1-70b'] }, reason: 'fixed upstream' },
    meta,
  },
  'task.assigned': {
    type: 'task.assigned',
    data: { ...task, workerId, attempt: 1, leaseExpiresAt: at + 60_000 },
    meta,
  },
  'task.requeued': {
    type: 'task.requeued',
    data: { ...task, attempt: 1, reason: 'lease_expired' },
    meta,
  },
  'task.ready': {
    type: 'task.ready',
    data: { ...task, attempt: 2 },
    meta,
  },
  'task.lease_extended': {
    type: 'task.lease_extended',
    data: { ...task, workerId, attempt: 1, leaseExpiresAt: at + 90_000 },
    meta,
  },
  'task.timed_out': {
    type: 'task.timed_out',
    data: { ...task, attempt: 1, deadline: 'start_to_close' },
    meta,
  },
  'task.dead_lettered': {
    type: 'task.dead_lettered',
    data: { ...task, attempt: 3, reason: 'worker_lost' },
    meta,
  },
  'task.completed': {
    type: 'task.completed',
    data: { ...task, workerId, attempt: 1, output: { text: 'hello' } },
    meta,
  },
  'task.failed': {
    type: 'task.failed',
    data: { ...task, workerId, attempt: 1, error: { message: 'boom' } },
    meta,
  },
  'task.progress': {
    type: 'task.progress',
    data: { ...task, workerId, attempt: 1, done: 3, total: 10, message: 'page 3' },
    meta,
  },
  'claim.rejected': {
    type: 'claim.rejected',
    data: { ...worker, reason: 'unknown_worker' },
    meta,
  },
  // Valid in shape only: the signature is checked by the audit, not the codec.
  'retention.point': {
    type: 'retention.point',
    data: {
      stream: 'FLEET',
      firstSeq: 36,
      reason: 'reclaim space',
      at,
      operator: `O${'A'.repeat(55)}`,
      signature: 'A'.repeat(86),
    },
    meta,
  },
  'retention.limits': {
    type: 'retention.limits',
    data: { stream: 'FLEET', maxAgeMs: 86_400_000, at },
    meta,
  },
  'limit.set': {
    type: 'limit.set',
    data: {
      project,
      pool,
      budget: { usd: 42, period: { kind: 'month', timeZone: 'UTC' } },
      rate: { tasksPerMinute: 120 },
      concurrency: 5,
    },
    meta,
  },
  'limit.cleared': { type: 'limit.cleared', data: { project, pool }, meta },
  'limit.refused': {
    type: 'limit.refused',
    data: { project, pool, input: '--budget-usd -5', reason: 'a budget is positive' },
    meta,
  },
  'task.over_limit': {
    type: 'task.over_limit',
    data: { ...task, reason: 'budget: $42.00 of $42.00 used this month' },
    meta,
  },
  'launch.requested': {
    type: 'launch.requested',
    data: {
      launchId: 'l0123456789abcdef',
      project,
      pool,
      taskId,
      template: 'box',
      runtime: 'docker',
      keyId,
      cost: 2,
      reason: 'cold launch: no live worker fits; box (docker, cost 2) is the only fit',
    },
    meta,
  },
  'launch.started': {
    type: 'launch.started',
    data: { launchId: 'l0123456789abcdef', project, pool, workerId },
    meta,
  },
  'launch.failed': {
    type: 'launch.failed',
    data: {
      launchId: 'l0123456789abcdef',
      project,
      pool,
      code: 'runtime_not_found',
      message: 'no such image',
      retryAt: at + 1000,
    },
    meta,
  },
};

const s = subjects();

/** The stored subject each sample is written on. */
export const sampleSubjects: { readonly [T in EventType]: string } = {
  'key.issued': s.key(project, keyId),
  'key.used': s.key(project, keyId),
  'key.revoked': s.key(project, keyId),
  'worker.enrolled': s.member(project, pool, workerId),
  'worker.draining': s.report(project, pool, workerId),
  'worker.left': s.report(project, pool, workerId),
  'worker.lost': s.dispatch(project, pool),
  'worker.revoked': s.member(project, pool, workerId),
  'task.submitted': s.submit(project, pool),
  'task.cancelled': s.cancel(project, pool),
  'task.redriven': s.submit(project, pool),
  'task.assigned': s.dispatch(project, pool),
  'task.requeued': s.dispatch(project, pool),
  'task.ready': s.dispatch(project, pool),
  'task.lease_extended': s.dispatch(project, pool),
  'task.timed_out': s.dispatch(project, pool),
  'task.dead_lettered': s.dispatch(project, pool),
  'task.completed': s.report(project, pool, workerId),
  'task.failed': s.report(project, pool, workerId),
  'task.progress': s.report(project, pool, workerId),
  'claim.rejected': s.rejected(project, pool),
  'retention.point': s.retention(),
  'retention.limits': s.retention(),
  'limit.set': s.limits(project, pool),
  'limit.cleared': s.limits(project, pool),
  'limit.refused': s.limits(project, pool),
  'task.over_limit': s.dispatch(project, pool),
  'launch.requested': s.launch(project, pool),
  'launch.started': s.launch(project, pool),
  'launch.failed': s.launch(project, pool),
};

/** UTF-8 JSON of any value, for feeding `decode` hand-written bodies. */
export const bytesOf = (value: unknown): Uint8Array =>
  new TextEncoder().encode(JSON.stringify(value));
