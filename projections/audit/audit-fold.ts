import { isReadable } from '../../events/index.ts';
import type { EventOf, FleetEvent } from '../../events/index.ts';
import type { AuditItem } from './audit-item.ts';
import { auditTaskKey, auditWorkerKey } from './audit-state.ts';
import type { At, AuditState, AuditTask, AuditWorker, AuditWorkerStatus } from './audit-state.ts';
import { endTask } from './end-task.ts';
import { iso } from './iso.ts';
import type { NoEffect } from './no-effect.ts';
import { releaseAttempt } from './release-attempt.ts';
import { scopeNote } from './scope-note.ts';
import { slimEvent } from './slim-event.ts';
import { unmetRequirements } from './unmet-requirements.ts';
import { violate } from './violate.ts';
import type { Violation } from './violation.ts';

const NONE: readonly Violation[] = [];

// ---------------------------------------------------------------------------------------------
// Tasks

const submitted = (
  s: AuditState,
  e: EventOf<'task.submitted'>,
  item: AuditItem,
): NoEffect | undefined => {
  const d = e.data;
  const key = auditTaskKey(d.project, d.pool, d.taskId);
  // The first submission of an id wins; a producer's retry is refused, not a second task.
  if (s.tasks.has(key)) return 'duplicate_submission';
  s.tasks.set(key, {
    key,
    taskId: d.taskId,
    project: d.project,
    pool: d.pool,
    requirements: d.requirements,
    timeoutMs: d.timeoutMs,
    maxAttempts: d.maxAttempts,
    priority: d.priority,
    submitted: { seq: item.seq, event: slimEvent(e) },
    status: 'queued',
    attempts: 0,
    lastAssigned: undefined,
    live: undefined,
    ended: undefined,
    refused: [],
    decisions: [],
  });
  return undefined;
};

const cancelled = (
  s: AuditState,
  e: EventOf<'task.cancelled'>,
  item: AuditItem,
): NoEffect | undefined => {
  const d = e.data;
  const task = s.tasks.get(auditTaskKey(d.project, d.pool, d.taskId));
  if (task === undefined) return 'unknown_task';
  if (task.status !== 'queued' && task.status !== 'assigned') return 'task_ended';
  releaseAttempt(s, task);
  endTask(task, 'cancelled', { seq: item.seq, event: e });
  return undefined;
};

/** Finds the worker an event names in its pool, or says where else it is enrolled. */
const elsewhere = (s: AuditState, workerId: string): string => {
  for (const w of s.workers.values())
    if (w.workerId === workerId) return ` (it is enrolled in ${w.project}/${w.pool})`;
  return '';
};

const assigned = (
  s: AuditState,
  e: EventOf<'task.assigned'>,
  item: AuditItem,
): NoEffect | undefined => {
  const d = e.data;
  const here: At<EventOf<'task.assigned'>> = { seq: item.seq, event: e };
  if (s.recording) s.counts.assignments += 1;
  const task = s.tasks.get(auditTaskKey(d.project, d.pool, d.taskId));
  if (task === undefined) {
    violate(
      s,
      'unknown_task',
      [here],
      `task ${d.taskId} of ${d.project}/${d.pool} was assigned but never submitted${scopeNote(s)}`,
    );
    return 'violation';
  }
  task.decisions.push(here);
  const worker = s.workers.get(auditWorkerKey(d.pool, d.workerId));
  if (worker === undefined) {
    violate(
      s,
      'unknown_worker',
      [task.submitted, here],
      `task ${d.taskId} of ${d.project}/${d.pool} was assigned to worker ${d.workerId}, ` +
        `not enrolled in pool ${d.pool}${elsewhere(s, d.workerId)}${scopeNote(s)}`,
    );
    return 'violation';
  }
  const what = `task ${d.taskId} of ${d.project}/${d.pool} (attempt ${d.attempt} to ${d.workerId})`;
  let legitimate = true;
  let noEffect: NoEffect = 'violation';

  // Who may take it: a worker of the task's project that meets every hard requirement.
  if (worker.project !== task.project) {
    legitimate = false;
    violate(
      s,
      'cross_project',
      [worker.enrolled, task.submitted, here],
      `${what}: worker ${d.workerId} is of project ${worker.project}, the task of ${task.project}`,
    );
  } else {
    const unmet = unmetRequirements(task, worker);
    if (unmet.length > 0) {
      legitimate = false;
      violate(
        s,
        'constraint_unmet',
        [worker.enrolled, task.submitted, here],
        `${what}: worker ${d.workerId} does not meet ${unmet.join('; ')}`,
      );
    }
  }

  // Which attempt: only the next one, of a queued task.
  const live = task.live;
  if (task.status === 'assigned' && live !== undefined) {
    legitimate = false;
    // A refused retryable failure would have requeued the live attempt; a next attempt is
    // exactly what accepting it would have led to.
    const cause = task.refused.filter(
      (r) => r.event.type === 'task.failed' && r.event.data.retryable,
    );
    if (cause.length > 0 && live.attempt < task.maxAttempts && d.attempt === live.attempt + 1)
      violate(
        s,
        'refused_report_acted_on',
        [live.assigned, ...cause, here],
        `${what} while attempt ${live.attempt} held by ${live.workerId} is live: only consistent ` +
          `with the refused failure report${cause.length > 1 ? 's' : ''} at seq ` +
          `${cause.map((c) => c.seq).join(', ')} having been accepted`,
      );
    else
      violate(
        s,
        'double_assignment',
        [live.assigned, here],
        `${what} while attempt ${live.attempt} held by ${live.workerId} (seq ${live.assigned.seq}) is live`,
      );
  } else if (task.status === 'cancelled') {
    // Cancellations come from producers on another subject, so a dispatcher can lose that
    // race; the fold makes the assignment a no-op. Not a violation.
    legitimate = false;
    noEffect = 'stale_decision';
  } else if (task.status !== 'queued') {
    legitimate = false;
    violate(
      s,
      'ended_task_assigned',
      [task.ended, here],
      `${what}: the task ${task.status === 'dead_lettered' ? 'was dead-lettered' : task.status} ` +
        `at seq ${task.ended?.seq ?? '?'}`,
    );
  } else if (d.attempt !== task.attempts + 1) {
    legitimate = false;
    violate(
      s,
      'attempt_sequence',
      [task.lastAssigned ?? task.submitted, here],
      `${what}: ${task.attempts} attempt${task.attempts === 1 ? '' : 's'} started so far, ` +
        `so the next is attempt ${task.attempts + 1}`,
    );
  }

  // To whom: an active worker with room.
  if (worker.status !== 'active') {
    legitimate = false;
    violate(
      s,
      'worker_not_active',
      [worker.since, here],
      `${what}: worker ${d.workerId} is ${worker.status} since seq ${worker.since.seq}`,
    );
  } else if (worker.held.size >= worker.capacity) {
    legitimate = false;
    const holding = [...worker.held].map((k) => s.tasks.get(k)?.live?.assigned);
    violate(
      s,
      'over_capacity',
      [...holding, here],
      `${what}: worker ${d.workerId} already holds ${worker.held.size} of its capacity ${worker.capacity}`,
    );
  }

  if (!legitimate) return noEffect;
  task.status = 'assigned';
  task.attempts = d.attempt;
  task.lastAssigned = here;
  task.live = {
    workerId: d.workerId,
    attempt: d.attempt,
    leaseExpiresAt: d.leaseExpiresAt,
    assigned: here,
  };
  task.refused = [];
  worker.held.add(task.key);
  if (s.recording) s.counts.effectiveAssignments += 1;
  return undefined;
};

const REASON_STATUS: Readonly<Record<string, AuditWorkerStatus>> = {
  worker_lost: 'lost',
  worker_revoked: 'revoked',
  worker_left: 'left',
};

const abandoned = (
  s: AuditState,
  e: EventOf<'task.requeued'> | EventOf<'task.dead_lettered'>,
  item: AuditItem,
): NoEffect | undefined => {
  const d = e.data;
  const here: At = { seq: item.seq, event: e };
  const verb = e.type === 'task.requeued' ? 'requeued' : 'dead-lettered';
  const task = s.tasks.get(auditTaskKey(d.project, d.pool, d.taskId));
  if (task === undefined) {
    violate(
      s,
      'unknown_task',
      [here],
      `task ${d.taskId} of ${d.project}/${d.pool} was ${verb} but never submitted${scopeNote(s)}`,
    );
    return 'violation';
  }
  const what = `task ${d.taskId} of ${d.project}/${d.pool} ${verb} (attempt ${d.attempt}, ${d.reason})`;
  const live = task.live;
  if (task.status !== 'assigned' || live === undefined || live.attempt !== d.attempt) {
    // An attempt that did start but has ended since: a liveness check that lost the race with
    // a report or a cancellation (on other subjects). The fold makes it a no-op.
    if (d.attempt <= task.attempts) return 'stale_decision';
    violate(
      s,
      'unfounded_abandon',
      [task.lastAssigned ?? task.submitted, here],
      `${what}: attempt ${d.attempt} was never assigned (${task.attempts} started)`,
    );
    return 'violation';
  }
  const holder = s.workers.get(auditWorkerKey(task.pool, live.workerId));
  let why: string | undefined;
  let evidence: At | undefined;
  if (d.reason === 'lease_expired') {
    if (item.at + s.clockSkewMs < live.leaseExpiresAt)
      why = `the lease runs until ${iso(live.leaseExpiresAt)}, the decision was stored at ${iso(item.at)}`;
  } else {
    const expected = REASON_STATUS[d.reason];
    if (holder?.status !== expected) {
      why = `holder ${live.workerId} is ${holder?.status ?? 'unknown'}, not ${expected ?? d.reason}`;
      evidence = holder?.since;
    }
  }
  if (why === undefined && e.type === 'task.dead_lettered' && live.attempt < task.maxAttempts)
    why = `attempt ${live.attempt} of ${task.maxAttempts}: attempts remain`;
  if (why === undefined && e.type === 'task.requeued' && live.attempt >= task.maxAttempts)
    why = `attempt ${live.attempt} is the last of ${task.maxAttempts}: it is dead-lettered, not requeued`;
  if (why !== undefined) {
    const refused =
      task.refused.length === 0
        ? ''
        : `; reports refused since the attempt began: seq ${task.refused.map((r) => r.seq).join(', ')}`;
    violate(
      s,
      'unfounded_abandon',
      [live.assigned, evidence, ...task.refused, here],
      `${what}: ${why}${refused}`,
    );
    return 'violation';
  }
  releaseAttempt(s, task);
  endTask(task, e.type === 'task.requeued' ? 'queued' : 'dead_lettered', here);
  return undefined;
};

const reported = (
  s: AuditState,
  e: EventOf<'task.completed'> | EventOf<'task.failed'>,
  item: AuditItem,
): NoEffect | undefined => {
  const d = e.data;
  const here = { seq: item.seq, event: slimEvent(e) };
  const task = s.tasks.get(auditTaskKey(d.project, d.pool, d.taskId));
  if (task === undefined) return 'report_unknown_task';
  const worker = s.workers.get(auditWorkerKey(d.pool, d.workerId));
  const live = task.live;
  // The contract: only the holder of the live attempt, while active or draining, reports it.
  const refusal: NoEffect | undefined =
    worker === undefined || worker.project !== d.project
      ? 'report_unknown_worker'
      : task.status !== 'assigned' || live === undefined
        ? 'report_task_not_assigned'
        : live.attempt !== d.attempt
          ? 'report_stale_attempt'
          : live.workerId !== d.workerId
            ? 'report_not_holder'
            : worker.status !== 'active' && worker.status !== 'draining'
              ? 'report_worker_inactive'
              : undefined;
  if (refusal !== undefined) {
    if (task.status === 'assigned') task.refused.push(here);
    const again = e.type === 'task.completed' && task.status === 'completed';
    return again && completedAgain(task, { seq: item.seq, event: slimEvent(e) })
      ? 'completed_twice'
      : refusal;
  }
  releaseAttempt(s, task);
  if (e.type === 'task.completed') endTask(task, 'completed', here);
  else if (!e.data.retryable) endTask(task, 'failed', here);
  else endTask(task, d.attempt < task.maxAttempts ? 'queued' : 'dead_lettered', here);
  return undefined;
};

/**
 * A completion of a task that already completed, by a worker an assignment decision gave this
 * attempt: the work was done twice (a worker reporting after its lease ran out, or after a
 * decision already flagged). Refused and counted, not a violation: a worker alone can cause it.
 * A worker retrying its own report, or a report of an attempt nobody was given, is not one.
 */
const completedAgain = (task: AuditTask, here: At<EventOf<'task.completed'>>): boolean => {
  const first = task.ended;
  if (first?.event.type !== 'task.completed') return false;
  const d = here.event.data;
  const f = first.event.data;
  if (f.workerId === d.workerId && f.attempt === d.attempt) return false;
  return task.decisions.some(
    (x) => x.event.data.workerId === d.workerId && x.event.data.attempt === d.attempt,
  );
};

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
      return submitted(s, e, item);
    case 'task.cancelled':
      return cancelled(s, e, item);
    case 'task.assigned':
      return assigned(s, e, item);
    case 'task.requeued':
    case 'task.dead_lettered':
      return abandoned(s, e, item);
    case 'task.completed':
    case 'task.failed':
      return reported(s, e, item);
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
