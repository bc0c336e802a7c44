import type { AuditState, AuditTaskStatus, AuditWorkerStatus } from './audit-state.ts';
import {
  auditWorkerKey,
  AuditTaskStatus as TaskStatuses,
  AuditWorkerStatus as WorkerStatuses,
} from './audit-state.ts';
import type { LogPoint } from './log-point.ts';
import { logPointJson } from './log-point.ts';
import type { LimitsCover, RetentionCover } from './log-wholeness.ts';
import type { Violation, ViolationKind } from './violation.ts';
import { VIOLATION_KINDS } from './violation.ts';

/** What an audit found. Plain data: `JSON.stringify` prints it whole. */
export interface AuditReport {
  /** True when no invariant failed and the log read is whole. */
  readonly ok: boolean;
  /** The project the audit was scoped to, if any, and what that scope cannot check. */
  readonly scope: { readonly project?: string; readonly note?: string };
  /** The window asked for (a sequence, or an ISO time) and the sequences actually read in it. */
  readonly window: {
    readonly from?: number | string;
    readonly to?: number | string;
    readonly firstSeq?: number;
    readonly lastSeq?: number;
    /** The server times (ISO) of the first and last message read in the window. */
    readonly firstAt?: string;
    readonly lastAt?: string;
  };
  /** The operator's retention point that explains where the stream starts, if one was needed. */
  readonly retention?: RetentionCover;
  /** The stream's limits that explain where it starts, when no retention point does. */
  readonly retainedByLimits?: LimitsCover;
  readonly counts: {
    /** Stored messages read in the window, the events they carried, and the unreadable ones. */
    readonly messages: number;
    readonly events: number;
    readonly unreadable: number;
    readonly unreadableByCode: Readonly<Record<string, number>>;
    /** Every submitted task by where it stands at the end of the window (total included). */
    readonly tasks: Readonly<Record<AuditTaskStatus | 'total', number>>;
    /** Live attempts held by a worker that is no longer active or draining (to be requeued). */
    readonly strandedAttempts: number;
    /** Every enrolled worker by status at the end of the window (total included). */
    readonly workers: Readonly<Record<AuditWorkerStatus | 'total', number>>;
    readonly keys: number;
    /** Assignment decisions stored in the window, and those that took effect. */
    readonly assignments: number;
    readonly effectiveAssignments: number;
    /**
     * Events that changed nothing under the contract's rules, by reason: refused reports
     * (`report_not_holder`, `report_stale_attempt`, ...), duplicates, stale decisions that lost
     * a race, and `violation` for the decisions reported below.
     */
    readonly noEffect: Readonly<Record<string, number>>;
    /** Launch events of provisioners in the window, by type (`launch.requested`, …). */
    readonly launches: Readonly<Record<string, number>>;
    readonly violations: number;
    readonly violationsByKind: Readonly<Record<ViolationKind, number>>;
  };
  /**
   * Every violation in the window, in stream order of the event at fault (or of the first
   * missing sequence): a missing head first, an unread tail last.
   */
  readonly violations: readonly Violation[];
}

/** What the log check found (see `LogWholeness`). */
export interface AuditLogCheck {
  readonly violations: readonly Violation[];
  readonly retention?: RetentionCover;
  readonly retainedByLimits?: LimitsCover;
}

/** The window of an audit, as asked for and as read. */
export interface AuditWindow {
  readonly from?: LogPoint;
  readonly to?: LogPoint;
  readonly firstSeq?: number;
  readonly lastSeq?: number;
  readonly firstAt?: number;
  readonly lastAt?: number;
}

const SCOPE_NOTE =
  'only this project’s events were read: an assignment to, or enrollment with a key of, another ' +
  'project shows as unknown; proving that nothing crossed projects, and that no message is ' +
  'missing from the log, needs operator scope (no --project)';

/** Where a violation sits in the log, to merge the fold's with the log check's. */
const position = (v: Violation): number => v.seqs.at(-1) ?? v.missing?.from ?? 0;

const zeroes = <K extends string>(keys: readonly K[]): Record<K, number> =>
  Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

/** The report of an audit state over a window. */
export const auditReport = (
  s: AuditState,
  window: AuditWindow,
  log: AuditLogCheck = { violations: [] },
): AuditReport => {
  const tasks = { ...zeroes(Object.values(TaskStatuses)), total: 0 };
  let stranded = 0;
  for (const t of s.tasks.values()) {
    tasks[t.status] += 1;
    tasks.total += 1;
    const w =
      t.live === undefined ? undefined : s.workers.get(auditWorkerKey(t.pool, t.live.workerId));
    if (w !== undefined && w.status !== 'active' && w.status !== 'draining') stranded += 1;
  }
  const workers = { ...zeroes(Object.values(WorkerStatuses)), total: 0 };
  for (const w of s.workers.values()) {
    workers[w.status] += 1;
    workers.total += 1;
  }
  // Stable: at one position, the fold's violations keep their order.
  const violations = [...s.violations, ...log.violations].sort((a, b) => position(a) - position(b));
  const byKind = zeroes(VIOLATION_KINDS);
  for (const v of violations) byKind[v.kind] += 1;
  const c = s.counts;
  return {
    ok: violations.length === 0,
    scope: s.project === undefined ? {} : { project: s.project, note: SCOPE_NOTE },
    window: {
      ...(window.from === undefined ? {} : { from: logPointJson(window.from) }),
      ...(window.to === undefined ? {} : { to: logPointJson(window.to) }),
      ...(window.firstSeq === undefined ? {} : { firstSeq: window.firstSeq }),
      ...(window.lastSeq === undefined ? {} : { lastSeq: window.lastSeq }),
      ...(window.firstAt === undefined ? {} : { firstAt: new Date(window.firstAt).toISOString() }),
      ...(window.lastAt === undefined ? {} : { lastAt: new Date(window.lastAt).toISOString() }),
    },
    ...(log.retention === undefined ? {} : { retention: log.retention }),
    ...(log.retainedByLimits === undefined ? {} : { retainedByLimits: log.retainedByLimits }),
    counts: {
      messages: c.messages,
      events: c.events,
      unreadable: c.unreadable,
      unreadableByCode: { ...c.unreadableByCode },
      tasks,
      strandedAttempts: stranded,
      workers,
      keys: s.keys.size,
      assignments: c.assignments,
      effectiveAssignments: c.effectiveAssignments,
      noEffect: { ...c.noEffect },
      launches: { ...c.launches },
      violations: violations.length,
      violationsByKind: byKind,
    },
    violations,
  };
};
