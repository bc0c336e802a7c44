import type { FleetEvent, LabelConstraint, Labels } from '../../events/index.ts';

const iso = (ms: number): string => new Date(ms).toISOString();

const labels = (l: Labels): string => {
  const parts = Object.entries(l).map(([k, v]) => `${k}=${String(v)}`);
  return parts.length === 0 ? '' : ` labels ${parts.join(',')}`;
};

const constraint = (c: LabelConstraint): string =>
  'values' in c
    ? `${c.key} ${c.op} [${c.values.map(String).join(',')}]`
    : 'value' in c
      ? `${c.key} ${c.op} ${String(c.value)}`
      : `${c.key} ${c.op}`;

const list = (what: string, xs: readonly string[] | undefined): string =>
  xs === undefined || xs.length === 0 ? '' : ` ${what} ${xs.join(',')}`;

/**
 * The salient fields of an event on one line, for reading a history: who, what, which attempt,
 * why. Never the payload or output (they may be large or sensitive) nor a key's secret hash.
 */
/** A limit's scope in words: project/pool, and the model when it names one. */
const limitScope = (d: { project: string; pool: string; model?: string }): string =>
  `${d.project}/${d.pool}${d.model === undefined ? '' : ` model ${d.model}`}`;

export const describeEvent = (e: FleetEvent): string => {
  switch (e.type) {
    case 'task.submitted': {
      const d = e.data;
      const r = d.requirements;
      const wants = r.labels.length === 0 ? '' : ` where ${r.labels.map(constraint).join(', ')}`;
      return (
        `task ${d.taskId} in ${d.project}/${d.pool}${list('models', r.models)}` +
        `${list('runtimes', r.runtimes)}${wants} priority ${d.priority}` +
        ` maxAttempts ${d.maxAttempts} timeout ${d.timeoutMs} ms`
      );
    }
    case 'task.cancelled':
      return `task ${e.data.taskId} in ${e.data.project}/${e.data.pool}${e.data.reason === undefined ? '' : `: ${e.data.reason}`}`;
    case 'task.assigned':
      return (
        `task ${e.data.taskId} in ${e.data.project}/${e.data.pool} → worker ${e.data.workerId}` +
        ` attempt ${e.data.attempt} lease until ${iso(e.data.leaseExpiresAt)}`
      );
    case 'task.requeued':
    case 'task.dead_lettered':
      return `task ${e.data.taskId} in ${e.data.project}/${e.data.pool} attempt ${e.data.attempt}: ${e.data.reason}`;
    case 'task.completed': {
      const u = e.data.usage;
      return (
        `task ${e.data.taskId} in ${e.data.project}/${e.data.pool} by worker ${e.data.workerId}` +
        ` attempt ${e.data.attempt}: ${u.tokensIn} tokens in, ${u.tokensOut} out, ${u.durationMs} ms` +
        `${u.costUsd === undefined ? '' : `, $${u.costUsd}`}${u.model === undefined ? '' : `, ${u.model}`}`
      );
    }
    case 'task.failed': {
      const err = e.data.error;
      return (
        `task ${e.data.taskId} in ${e.data.project}/${e.data.pool} by worker ${e.data.workerId}` +
        ` attempt ${e.data.attempt}: ${err.code === undefined ? '' : `[${err.code}] `}${err.message}` +
        ` (${e.data.retryable ? 'retryable' : 'not retryable'})`
      );
    }
    case 'task.redriven':
      return `task ${e.data.taskId} of ${e.data.project}/${e.data.pool} redriven${e.data.reason === undefined ? '' : `: ${e.data.reason}`}`;
    case 'task.timed_out':
      return `task ${e.data.taskId} of ${e.data.project}/${e.data.pool} attempt ${e.data.attempt}: ${e.data.deadline} ran out`;
    case 'task.lease_extended':
      return `task ${e.data.taskId} of ${e.data.project}/${e.data.pool} attempt ${e.data.attempt} of worker ${e.data.workerId}: lease until ${iso(e.data.leaseExpiresAt)}`;
    case 'task.ready':
      return `task ${e.data.taskId} of ${e.data.project}/${e.data.pool} ready for attempt ${e.data.attempt}`;
    case 'worker.enrolled': {
      const d = e.data;
      return (
        `worker ${d.workerId} in ${d.project}/${d.pool} with key ${d.keyId}${list('models', d.models)}` +
        `${labels(d.labels)}${list('exclusive', d.exclusive)} runtime ${d.runtime.kind}` +
        ` capacity ${d.capacity}`
      );
    }
    case 'worker.draining':
    case 'worker.left':
      return `worker ${e.data.workerId} in ${e.data.project}/${e.data.pool}`;
    case 'worker.lost':
      return `worker ${e.data.workerId} in ${e.data.project}/${e.data.pool}, last seen ${iso(e.data.lastSeenAt)}`;
    case 'worker.revoked':
      return `worker ${e.data.workerId} in ${e.data.project}/${e.data.pool}${e.data.reason === undefined ? '' : `: ${e.data.reason}`}`;
    case 'key.issued': {
      const d = e.data;
      return (
        `key ${d.keyId}${d.name === undefined ? '' : ` "${d.name}"`} for ${d.project}/${d.pool}` +
        ` maxUses ${d.maxUses} expires ${iso(d.expiresAt)}${list('models', d.models)}${labels(d.labels)}`
      );
    }
    case 'key.used':
      return `key ${e.data.keyId} of ${e.data.project} use ${e.data.use} by worker ${e.data.workerId}`;
    case 'key.revoked':
      return `key ${e.data.keyId} of ${e.data.project}${e.data.reason === undefined ? '' : `: ${e.data.reason}`}`;
    case 'task.progress':
      return (
        `task ${e.data.taskId} of ${e.data.project}/${e.data.pool}, attempt ${e.data.attempt} on worker ${e.data.workerId}: progress` +
        (e.data.done === undefined
          ? ''
          : ` ${e.data.done}${e.data.total === undefined ? '' : `/${e.data.total}`}`) +
        (e.data.message === undefined ? '' : ` (${e.data.message})`)
      );
    case 'claim.rejected':
      return (
        `worker ${e.data.workerId} claiming in ${e.data.project}/${e.data.pool}: ${e.data.reason}` +
        (e.data.detail === undefined ? '' : ` (${e.data.detail})`)
      );
    case 'limit.set':
      return `limits of ${limitScope(e.data)}`;
    case 'limit.cleared':
      return `limits of ${limitScope(e.data)} cleared`;
    case 'limit.refused':
      return `limit for ${e.data.project}/${e.data.pool} refused: ${e.data.reason}`;
    case 'task.over_limit':
      return `task ${e.data.taskId} of ${e.data.project} failed fast: ${e.data.reason}`;
    case 'retention.point':
      return `stream ${e.data.stream} kept from seq ${e.data.firstSeq} by operator ${e.data.operator}: ${e.data.reason}`;
    case 'retention.limits':
      return (
        `stream ${e.data.stream} limits set: max age ${e.data.maxAgeMs === undefined ? 'none' : `${e.data.maxAgeMs / 1000} s`}, ` +
        `max bytes ${e.data.maxBytes ?? 'none'}${e.data.operator === undefined ? ', unsigned' : ` by operator ${e.data.operator}`}`
      );
    case 'launch.requested':
      return (
        `launch ${e.data.launchId} of a ${e.data.runtime} worker from template ${e.data.template}` +
        ` for task ${e.data.taskId} of ${e.data.project}/${e.data.pool} (key ${e.data.keyId}): ${e.data.reason}`
      );
    case 'launch.started':
      return `launch ${e.data.launchId} of ${e.data.project}/${e.data.pool}: worker ${e.data.workerId} enrolled`;
    case 'launch.failed':
      return (
        `launch ${e.data.launchId} of ${e.data.project}/${e.data.pool} failed: ${e.data.code} ` +
        `(${e.data.message}); template backs off until ${iso(e.data.retryAt)}`
      );
    default: {
      const never: never = e;
      return never;
    }
  }
};

/** Which entity a history is about: a task (by id) or a worker (by id); neither means all. */
export interface EntityFilter {
  readonly taskId?: string;
  readonly workerId?: string;
}

/** True when the event is part of the entity's history. */
export const mentions = (e: FleetEvent, filter: EntityFilter): boolean => {
  const d = e.data as { taskId?: string; workerId?: string };
  if (filter.taskId !== undefined && d.taskId !== filter.taskId) return false;
  if (filter.workerId !== undefined && d.workerId !== filter.workerId) return false;
  return true;
};
