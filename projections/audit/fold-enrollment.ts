import type { EventOf } from '../../events/index.ts';
import type { AuditItem } from './audit-item.ts';
import { auditWorkerKey } from './audit-state.ts';
import type { At, AuditState, AuditWorker } from './audit-state.ts';
import { iso } from './iso.ts';
import type { NoEffect } from './no-effect.ts';
import { scopeNote } from './scope-note.ts';
import { violate } from './violate.ts';

/**
 * The key of an enrollment must, when the worker's `key.used` was stored (or at the
 * enrollment when none was): exist, be of the worker's project and pool, not be revoked or
 * expired, have an effective use for this worker, and agree with the worker's capabilities
 * (models among the key's, the key's labels and exclusive labels carried over).
 */
const checkEnrollmentKey = (s: AuditState, here: At<EventOf<'worker.enrolled'>>): void => {
  const d = here.event.data;
  const key = s.keys.get(d.keyId);
  const who = `worker ${d.workerId} of ${d.project}/${d.pool} enrolled with key ${d.keyId}`;
  if (key === undefined) {
    violate(s, 'enrollment_invalid', [here], `${who}: no such key${scopeNote(s)}`);
    return;
  }
  if (key.project !== d.project) {
    violate(s, 'cross_project', [key.issued, here], `${who}, a key of project ${key.project}`);
    return;
  }
  const use = key.usedBy.get(d.workerId);
  const when = use?.seq ?? here.seq;
  const problems: string[] = [];
  if (key.pool !== d.pool) problems.push(`the key is for pool ${key.pool}`);
  if (key.revoked !== undefined && key.revoked.seq < when)
    problems.push(`the key was revoked at seq ${key.revoked.seq}`);
  const usedAt = use?.at ?? s.time ?? 0;
  if (usedAt - s.clockSkewMs >= key.expiresAt)
    problems.push(`the key expired at ${iso(key.expiresAt)}`);
  if (use === undefined)
    problems.push(
      key.uses >= key.maxUses
        ? `no effective use of the key for this worker: its ${key.maxUses} use${key.maxUses === 1 ? ' is' : 's are'} spent`
        : 'no effective use of the key was recorded for this worker',
    );
  const outside = key.models.length === 0 ? [] : d.models.filter((m) => !key.models.includes(m));
  if (outside.length > 0) problems.push(`models ${outside.join(', ')} are not allowed by the key`);
  for (const [label, value] of Object.entries(key.labels))
    if (!Object.hasOwn(d.labels, label) || d.labels[label] !== value)
      problems.push(`the key fixes label ${label}=${String(value)}`);
  for (const label of key.exclusive)
    if (!d.exclusive.includes(label)) problems.push(`the key reserves exclusive label ${label}`);
  if (problems.length > 0)
    violate(
      s,
      'enrollment_invalid',
      [key.issued, use, key.revoked, here],
      `${who}: ${problems.join('; ')}`,
    );
};

/**
 * A worker's enrollment: the first of a worker in its pool takes effect, whatever its key. The
 * key is judged here, so that a bad one is a violation and the worker's work still folds.
 */
export const foldEnrollment = (
  s: AuditState,
  e: EventOf<'worker.enrolled'>,
  item: AuditItem,
): NoEffect | undefined => {
  const d = e.data;
  const key = auditWorkerKey(d.pool, d.workerId);
  if (s.workers.has(key)) return 'duplicate_enrollment';
  const here = { seq: item.seq, event: e };
  checkEnrollmentKey(s, here);
  const worker: AuditWorker = {
    workerId: d.workerId,
    project: d.project,
    pool: d.pool,
    keyId: d.keyId,
    models: d.models,
    labels: d.labels,
    exclusive: d.exclusive,
    runtime: d.runtime,
    capacity: d.capacity,
    enrolled: here,
    status: 'active',
    since: here,
    held: new Set(),
  };
  // Known to its pool whatever its key: the dispatcher does not judge keys, the audit does.
  s.workers.set(key, worker);
  return undefined;
};
