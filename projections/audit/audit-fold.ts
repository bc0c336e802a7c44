import { isReadable } from '../../events/index.ts';
import type { EventOf, FleetEvent } from '../../events/index.ts';
import type { AuditItem } from './audit-item.ts';
import { auditWorkerKey } from './audit-state.ts';
import type { At, AuditState, AuditWorker, AuditWorkerStatus } from './audit-state.ts';
import { foldAbandon } from './fold-abandon.ts';
import { foldAssignment } from './fold-assignment.ts';
import { foldReport } from './fold-report.ts';
import { foldSubmission } from './fold-submission.ts';
import { iso } from './iso.ts';
import type { NoEffect } from './no-effect.ts';
import { scopeNote } from './scope-note.ts';
import { violate } from './violate.ts';
import type { Violation } from './violation.ts';

const NONE: readonly Violation[] = [];

// ---------------------------------------------------------------------------------------------
// Workers

const enrolled = (
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

/** Which statuses each lifecycle event may leave from (as the contract's fold has it). */
const TRANSITIONS = {
  'worker.draining': { to: 'draining', from: ['active'] },
  'worker.left': { to: 'left', from: ['active', 'draining'] },
  'worker.lost': { to: 'lost', from: ['active', 'draining'] },
  'worker.revoked': { to: 'revoked', from: ['active', 'draining', 'left', 'lost'] },
} as const satisfies Record<string, { to: AuditWorkerStatus; from: AuditWorkerStatus[] }>;

const lifecycle = (
  s: AuditState,
  e:
    | EventOf<'worker.draining'>
    | EventOf<'worker.left'>
    | EventOf<'worker.lost'>
    | EventOf<'worker.revoked'>,
  item: AuditItem,
): NoEffect | undefined => {
  const d = e.data;
  const w = s.workers.get(auditWorkerKey(d.pool, d.workerId));
  if (w?.project !== d.project) return 'unknown_worker';
  const t = TRANSITIONS[e.type];
  if (!(t.from as readonly AuditWorkerStatus[]).includes(w.status)) return 'invalid_transition';
  w.status = t.to;
  w.since = { seq: item.seq, event: e };
  return undefined;
};

// ---------------------------------------------------------------------------------------------
// Keys

const issued = (s: AuditState, e: EventOf<'key.issued'>, item: AuditItem): NoEffect | undefined => {
  const d = e.data;
  // Key ids are global (a token names no project): the first issue wins.
  if (s.keys.has(d.keyId)) return 'duplicate_key';
  s.keys.set(d.keyId, {
    keyId: d.keyId,
    project: d.project,
    pool: d.pool,
    models: d.models,
    labels: d.labels,
    exclusive: d.exclusive,
    maxUses: d.maxUses,
    expiresAt: d.expiresAt,
    issued: { seq: item.seq, event: e },
    uses: 0,
    revoked: undefined,
    usedBy: new Map(),
  });
  return undefined;
};

const used = (s: AuditState, e: EventOf<'key.used'>, item: AuditItem): NoEffect | undefined => {
  const d = e.data;
  const here = { seq: item.seq, event: e };
  const key = s.keys.get(d.keyId);
  const what = `use ${d.use} of key ${d.keyId} (worker ${d.workerId})`;
  if (key === undefined) {
    violate(s, 'key_use_invalid', [here], `${what}: no such key${scopeNote(s)}`);
    return 'violation';
  }
  if (key.project !== d.project) {
    violate(
      s,
      'key_use_invalid',
      [key.issued, here],
      `${what} in project ${d.project}: the key is of ${key.project}`,
    );
    return 'violation';
  }
  if (key.revoked !== undefined) {
    violate(
      s,
      'key_use_invalid',
      [key.issued, key.revoked, here],
      `${what}: the key was revoked at seq ${key.revoked.seq}`,
    );
    return 'violation';
  }
  if (d.use > key.maxUses || key.uses >= key.maxUses) {
    violate(
      s,
      'key_overuse',
      [key.issued, here],
      `${what}: the key allows ${key.maxUses} use${key.maxUses === 1 ? '' : 's'} and ` +
        `${key.uses} ${key.uses === 1 ? 'was' : 'were'} made`,
    );
    return 'violation';
  }
  if (d.use !== key.uses + 1) {
    violate(
      s,
      'key_use_invalid',
      [key.issued, here],
      `${what}: ${key.uses} use${key.uses === 1 ? '' : 's'} so far, so the next is ${key.uses + 1}`,
    );
    return 'violation';
  }
  key.uses = d.use;
  key.usedBy.set(d.workerId, { ...here, at: item.at });
  return undefined;
};

const keyRevoked = (
  s: AuditState,
  e: EventOf<'key.revoked'>,
  item: AuditItem,
): NoEffect | undefined => {
  const key = s.keys.get(e.data.keyId);
  if (key?.project !== e.data.project) return 'unknown_key';
  if (key.revoked !== undefined) return 'already_revoked';
  key.revoked = { seq: item.seq, event: e };
  return undefined;
};

// ---------------------------------------------------------------------------------------------

const apply = (s: AuditState, e: FleetEvent, item: AuditItem): NoEffect | undefined => {
  switch (e.type) {
    case 'task.submitted':
    case 'task.cancelled':
      return foldSubmission(s, e, item);
    case 'task.assigned':
      return foldAssignment(s, e, item);
    case 'task.requeued':
    case 'task.dead_lettered':
      return foldAbandon(s, e, item);
    case 'task.completed':
    case 'task.failed':
      return foldReport(s, e, item);
    case 'worker.enrolled':
      return enrolled(s, e, item);
    case 'worker.draining':
    case 'worker.left':
    case 'worker.lost':
    case 'worker.revoked':
      return lifecycle(s, e, item);
    case 'key.issued':
      return issued(s, e, item);
    case 'key.used':
      return used(s, e, item);
    case 'key.revoked':
      return keyRevoked(s, e, item);
    case 'claim.rejected':
    case 'retention.point': // judged by the audit's log check, not by the fold
      return undefined;
    default: {
      const never: never = e;
      return never;
    }
  }
};

/** The project a stored subject names (`<root>.<project>.…`). */
const projectOf = (subject: string): string | undefined => {
  const start = subject.indexOf('.') + 1;
  const end = subject.indexOf('.', start);
  return start === 0 ? undefined : subject.slice(start, end < 0 ? undefined : end);
};

/**
 * The audit's fold: applies one stored message to the state in place, in stream order, under
 * the contract's rules (an event that is invalid at its position changes nothing), and records
 * every decision, key use and enrollment that broke an invariant. Messages already folded, and
 * with a project scope those of other projects, are skipped.
 */
export const foldAuditItem = (s: AuditState, item: AuditItem): void => {
  if (item.seq <= s.position) return;
  // The codec checked that every event agrees with its subject's project.
  if (s.project !== undefined && projectOf(item.subject) !== s.project) return;
  s.position = item.seq;
  s.time = item.at;
  const c = s.counts;
  if (s.recording) c.messages += 1;
  const entry = item.entry;
  if (!isReadable(entry)) {
    if (s.recording) {
      c.unreadable += 1;
      c.unreadableByCode[entry.refused.code] = (c.unreadableByCode[entry.refused.code] ?? 0) + 1;
    }
    return;
  }
  for (const e of entry.events) {
    const before = s.violations.length;
    const noEffect = apply(s, e, item);
    if (s.recording) {
      c.events += 1;
      if (noEffect !== undefined) c.noEffect[noEffect] = (c.noEffect[noEffect] ?? 0) + 1;
    }
    s.observe?.(
      item,
      e,
      noEffect,
      s.violations.length > before ? s.violations.slice(before) : NONE,
    );
  }
};
