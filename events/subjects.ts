import { SubjectError, ErrorCode } from './errors.ts';
import { isId, isName } from './ids.ts';
import type { KeyId, PoolId, ProjectId, WorkerId } from './ids.ts';
import { err, ok } from './result.ts';
import type { Result } from './result.ts';
import type { EventType } from './fleet-event.ts';
import { DEFAULT_ROOT } from './names.ts';

export { DEFAULT_ROOT };

/** Kinds of stored subject; each admits its own event types (see `allowedTypes`). */
export const SubjectKind = {
  submit: 'submit',
  cancel: 'cancel',
  dispatch: 'dispatch',
  rejected: 'rejected',
  report: 'report',
  member: 'member',
  key: 'key',
  retention: 'retention',
  limits: 'limits',
  launch: 'launch',
} as const;
export type SubjectKind = (typeof SubjectKind)[keyof typeof SubjectKind];

/** A stored subject, parsed. */
export type ParsedSubject =
  | {
      readonly kind: 'submit' | 'cancel' | 'dispatch' | 'rejected' | 'limits' | 'launch';
      readonly project: ProjectId;
      readonly pool: PoolId;
    }
  | {
      readonly kind: 'report' | 'member';
      readonly project: ProjectId;
      readonly pool: PoolId;
      readonly workerId: WorkerId;
    }
  | { readonly kind: 'key'; readonly project: ProjectId; readonly keyId: KeyId }
  /** The operator's retention points: of no project (a leading `_` is no project name). */
  | { readonly kind: 'retention' };

const KEYS_TOKEN = '_keys';
const OPS_TOKEN = '_ops';

/**
 * Subject builders for one deployment. Stored subjects live under `<root>.`, which one stream
 * captures whole; request/reply subjects live under `<root>_rpc.` so the stream never sees them.
 */
export const subjects = (root: string = DEFAULT_ROOT) => {
  const rpc = `${root}_rpc`;
  return {
    root,
    /** Task submissions by the project's producers. */
    submit: (project: ProjectId, pool: PoolId) => `${root}.${project}.${pool}.submit`,
    /** Cancellations by the project's producers. */
    cancel: (project: ProjectId, pool: PoolId) => `${root}.${project}.${pool}.cancel`,
    /** The dispatcher's exclusive decisions for one project in one pool. */
    dispatch: (project: ProjectId, pool: PoolId) => `${root}.${project}.${pool}.dispatch`,
    /** Claims the dispatcher refused. */
    rejected: (project: ProjectId, pool: PoolId) => `${root}.${project}.${pool}.rejected`,
    /** The operator's limits of a project in a pool (budgets, rates, concurrency caps). */
    limits: (project: ProjectId, pool: PoolId) => `${root}.${project}.${pool}.limits`,
    /** Every limit of the deployment. */
    allLimits: () => `${root}.*.*.limits`,
    /** The pool's provisioner's launches of one-shot workers for the project (exclusive). */
    launch: (project: ProjectId, pool: PoolId) => `${root}.${project}.${pool}.launch`,
    /** A worker's own reports: outcomes, draining, leaving. */
    report: (project: ProjectId, pool: PoolId, worker: WorkerId) =>
      `${root}.${project}.${pool}.worker.${worker}.report`,
    /** A worker's membership: enrolled and revoked, written by the registrar. */
    member: (project: ProjectId, pool: PoolId, worker: WorkerId) =>
      `${root}.${project}.${pool}.member.${worker}`,
    /** An enrollment key's life. */
    key: (project: ProjectId, key: KeyId) => `${root}.${project}.${KEYS_TOKEN}.${key}`,
    /** The operator's retention points (signed; see `retention.point`). */
    retention: () => `${root}.${OPS_TOKEN}.retention`,
    /** A worker's long-polled claim (request/reply, not stored). */
    claim: (project: ProjectId, pool: PoolId, worker: WorkerId) =>
      `${rpc}.${project}.${pool}.${worker}.claim`,
    /** A worker's heartbeat (not stored). */
    heartbeat: (project: ProjectId, pool: PoolId, worker: WorkerId) =>
      `${rpc}.${project}.${pool}.${worker}.hb`,
    /** Enrollment requests (request/reply, not stored). */
    enroll: () => `${rpc}.enroll`,
    /**
     * Task status requests of a project in a pool, answered by the pool's dispatcher. A user
     * with its own inbox (`_INBOX.<key>`) asks on `….status.<key>`: its credentials allow no
     * other, and the dispatcher answers only that inbox.
     */
    status: (project: ProjectId, pool: PoolId, requester?: string) =>
      `${rpc}.${project}.${pool}.status${requester === undefined ? '' : `.${requester}`}`,
    /** Every status request a pool's dispatcher answers without a requester's key. */
    poolStatus: (pool: PoolId) => `${rpc}.*.${pool}.status`,
    /** Every status request a pool's dispatcher answers from a user with its own inbox. */
    poolStatusOwned: (pool: PoolId) => `${rpc}.*.${pool}.status.*`,
    /** Everything stored: the stream's one subject. */
    all: () => `${root}.>`,
    /** What a pool's dispatcher folds. */
    pool: (pool: PoolId) => `${root}.*.${pool}.>`,
    /** What a tenant may read. */
    project: (project: ProjectId) => `${root}.${project}.>`,
    /** Every claim a pool's dispatcher serves. */
    poolClaims: (pool: PoolId) => `${rpc}.*.${pool}.*.claim`,
    /** Every heartbeat a pool's dispatcher tracks. */
    poolHeartbeats: (pool: PoolId) => `${rpc}.*.${pool}.*.hb`,
  };
};
export type Subjects = ReturnType<typeof subjects>;

const bad = (subject: string, why: string) =>
  err(new SubjectError(ErrorCode.BadSubject, `subject "${subject}" ${why}`));

/** Parses a stored subject; anything that is not one is a `SubjectError`, never a throw. */
export const parseSubject = (
  subject: string,
  root: string = DEFAULT_ROOT,
): Result<ParsedSubject, SubjectError> => {
  const t = subject.split('.');
  if (t[0] !== root) return bad(subject, `is not under the root "${root}"`);
  const [, project, second, third, fourth, fifth] = t;
  if (project === OPS_TOKEN) {
    if (t.length !== 3 || second !== 'retention')
      return bad(subject, `is not an operator subject (${root}.${OPS_TOKEN}.retention)`);
    return ok({ kind: 'retention' });
  }
  if (project === undefined || !isName(project)) return bad(subject, 'has no valid project token');
  const p = project as ProjectId;
  if (second === KEYS_TOKEN) {
    if (t.length !== 4 || third === undefined || !isId(third))
      return bad(subject, `must be ${root}.<project>._keys.<keyId>`);
    return ok({ kind: 'key', project: p, keyId: third as KeyId });
  }
  if (second === undefined || !isName(second)) return bad(subject, 'has no valid pool token');
  const pool = second as PoolId;
  switch (third) {
    case 'submit':
    case 'cancel':
    case 'dispatch':
    case 'rejected':
    case 'limits':
    case 'launch':
      if (t.length !== 4) return bad(subject, `has extra tokens after "${third}"`);
      return ok({ kind: third, project: p, pool });
    case 'member':
      if (t.length !== 5 || fourth === undefined || !isId(fourth))
        return bad(subject, `must be ${root}.<project>.<pool>.member.<workerId>`);
      return ok({ kind: 'member', project: p, pool, workerId: fourth as WorkerId });
    case 'worker':
      if (t.length !== 6 || fourth === undefined || !isId(fourth) || fifth !== 'report')
        return bad(subject, `must be ${root}.<project>.<pool>.worker.<workerId>.report`);
      return ok({ kind: 'report', project: p, pool, workerId: fourth as WorkerId });
    default:
      return bad(subject, 'is not a Fleet subject');
  }
};

/** Event types each kind of subject admits; anything else on it is refused by the codec. */
export const allowedTypes: Readonly<Record<SubjectKind, readonly EventType[]>> = {
  submit: ['task.submitted', 'task.redriven'],
  cancel: ['task.cancelled'],
  dispatch: [
    'task.assigned',
    'task.requeued',
    'task.ready',
    'task.lease_extended',
    'task.timed_out',
    'task.dead_lettered',
    'worker.lost',
    'task.over_limit',
  ],
  rejected: ['claim.rejected'],
  report: ['task.completed', 'task.failed', 'task.progress', 'worker.draining', 'worker.left'],
  member: ['worker.enrolled', 'worker.revoked'],
  key: ['key.issued', 'key.used', 'key.revoked'],
  retention: ['retention.point', 'retention.limits'],
  limits: ['limit.set', 'limit.cleared', 'limit.refused'],
  launch: ['launch.requested', 'launch.started', 'launch.failed'],
};

/** A request/reply subject of a worker, parsed. */
export interface ParsedRpcSubject {
  readonly kind: 'claim' | 'hb';
  readonly project: ProjectId;
  readonly pool: PoolId;
  readonly workerId: WorkerId;
}

/** Parses a worker's claim or heartbeat subject (`<root>_rpc.<project>.<pool>.<workerId>.claim|hb`). */
export const parseRpcSubject = (
  subject: string,
  root: string = DEFAULT_ROOT,
): Result<ParsedRpcSubject, SubjectError> => {
  const t = subject.split('.');
  const [head, project, pool, worker, kind] = t;
  if (head !== `${root}_rpc` || t.length !== 5) return bad(subject, `is not under "${root}_rpc"`);
  if (project === undefined || !isName(project)) return bad(subject, 'has no valid project token');
  if (pool === undefined || !isName(pool)) return bad(subject, 'has no valid pool token');
  if (worker === undefined || !isId(worker)) return bad(subject, 'has no valid worker token');
  if (kind !== 'claim' && kind !== 'hb') return bad(subject, 'is neither a claim nor a heartbeat');
  return ok({
    kind,
    project: project as ProjectId,
    pool: pool as PoolId,
    workerId: worker as WorkerId,
  });
};

/** True when `subject` matches the NATS subject filter `filter` (`*` one token, `>` the rest). */
export const subjectMatches = (filter: string, subject: string): boolean => {
  const f = filter.split('.');
  const t = subject.split('.');
  for (let i = 0; i < f.length; i += 1) {
    const token = f[i];
    if (token === '>') return t.length > i;
    if (i >= t.length) return false;
    if (token !== '*' && token !== t[i]) return false;
  }
  return f.length === t.length;
};
