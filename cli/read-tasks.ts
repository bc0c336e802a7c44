import {
  evolveEntryInPlace,
  initialState,
  labelHolds,
  taskAt,
  taskKey,
} from '../domain/pool/index.ts';
import type { DispatchState, TaskStatus } from '../domain/pool/index.ts';
import type { EventLog } from '../log/index.ts';
import { isReadable, parseSubject } from '../events/index.ts';
import type { LabelConstraint, Labels, PoolId, ProjectId, Requirements } from '../events/index.ts';

/** A task as `fleet tasks` shows it. */
export interface TaskRow {
  readonly taskId: string;
  readonly project: string;
  readonly pool: string;
  status: TaskStatus;
  readonly priority: number;
  readonly requirements: Requirements;
  /** Attempts started. */
  attempts: number;
  /** Attempts it may make: as submitted, more after a redrive of it. */
  maxAttempts: number;
  /** The worker holding its live attempt, when assigned. */
  workerId: string | null;
  /** Stream sequence and time of its submission, and its place in that message. */
  readonly submittedSeq: number;
  readonly index: number;
  readonly submittedAt: number;
  /** Stream time it ended (completed, failed, cancelled, dead-lettered). */
  endedAt: number | null;
}

/** Which tasks to list. Every field narrows; the read covers one project when one is given. */
export interface TaskFilter {
  readonly project?: ProjectId;
  readonly pool?: PoolId;
  readonly statuses?: ReadonlySet<TaskStatus>;
  /** Tasks whose label constraints name each key and, given a value, all accept it. */
  readonly labels?: Labels;
  /** Submitted at or after / before this stream time (epoch ms). */
  readonly since?: number;
  readonly until?: number;
}

/** A place in the list, newest first: the submission's sequence and index in its message. */
export interface TaskCursor {
  readonly seq: number;
  readonly index: number;
}

/** Whether the task's constraints ask for every label of `wanted`, accepting its value. */
const asksFor = (constraints: readonly LabelConstraint[], wanted: Labels): boolean =>
  Object.entries(wanted).every(([key, value]) => {
    const on = constraints.filter((c) => c.key === key);
    return on.length > 0 && on.every((c) => labelHolds(c, { [key]: value }));
  });

/** Whether `row` passes `filter`. */
export const matchesFilter = (row: TaskRow, filter: TaskFilter): boolean =>
  (filter.project === undefined || row.project === filter.project) &&
  (filter.pool === undefined || row.pool === filter.pool) &&
  (filter.statuses === undefined ||
    filter.statuses.size === 0 ||
    filter.statuses.has(row.status)) &&
  (filter.labels === undefined || asksFor(row.requirements.labels, filter.labels)) &&
  (filter.since === undefined || row.submittedAt >= filter.since) &&
  (filter.until === undefined || row.submittedAt < filter.until);

/** `a` is newer than `b` in the list's order. */
const newer = (a: TaskCursor, b: TaskCursor): boolean =>
  a.seq !== b.seq ? a.seq > b.seq : a.index > b.index;

/**
 * One page of `rows` newest first: the rows past `after` (a cursor from the previous page),
 * at most `limit`, and the cursor of the next page when there are more.
 */
export const pageOf = (
  rows: readonly TaskRow[],
  limit: number,
  after?: TaskCursor,
): { rows: TaskRow[]; next: TaskCursor | null } => {
  const sorted = rows
    .filter((r) => after === undefined || newer(after, { seq: r.submittedSeq, index: r.index }))
    .sort((a, b) => b.submittedSeq - a.submittedSeq || b.index - a.index);
  const page = sorted.slice(0, limit);
  const last = page[page.length - 1];
  return {
    rows: page,
    next:
      sorted.length > limit && last !== undefined
        ? { seq: last.submittedSeq, index: last.index }
        : null,
  };
};

/**
 * Lists tasks as their pools' dispatchers see them: folds what the log holds now with the
 * pool's own rule (a refused submission or report changes nothing) and stops. Reads only the
 * project's or the pool's subjects when the filter names one, so a project's read never
 * touches another's messages.
 */
export const readTasks = async (log: EventLog, filter: TaskFilter): Promise<TaskRow[]> => {
  const subjects = log.subjects;
  const source =
    filter.project !== undefined
      ? subjects.project(filter.project)
      : filter.pool !== undefined
        ? subjects.pool(filter.pool)
        : subjects.all();
  const pools = new Map<string, DispatchState>();
  const rows = new Map<string, TaskRow>();
  const tail = await log.tail(source, 1, ({ subject, entry }) => {
    const parsed = parseSubject(subject, subjects.root);
    if (!parsed.ok || parsed.value.kind === 'key' || parsed.value.kind === 'retention') return;
    const pool = parsed.value.pool;
    if (filter.pool !== undefined && pool !== filter.pool) return;
    let state = pools.get(pool);
    if (state === undefined) {
      state = initialState({ pool });
      pools.set(pool, state);
    }
    const verdicts = evolveEntryInPlace(state, entry);
    if (!isReadable(entry)) return;
    entry.events.forEach((e, i) => {
      if (verdicts[i]?.kind !== 'applied' || !('taskId' in e.data)) return;
      const key = taskKey(e.data.project, e.data.taskId);
      const id = `${pool}\u0000${key}`;
      if (e.type === 'task.submitted')
        rows.set(id, {
          taskId: e.data.taskId,
          project: e.data.project,
          pool,
          status: 'queued',
          priority: e.data.priority,
          requirements: e.data.requirements,
          attempts: 0,
          maxAttempts: e.data.maxAttempts,
          workerId: null,
          submittedSeq: entry.seq,
          index: i,
          submittedAt: entry.at,
          endedAt: null,
        });
      const row = rows.get(id);
      // A task past the pool's kept ended tasks is read from its packed index.
      const task = taskAt(state, key);
      if (row === undefined || task === undefined) return;
      row.status = task.status;
      row.attempts = task.attempts;
      // A redrive gives a fresh allowance on top of the attempts already made.
      if (task.status === 'queued' || task.status === 'assigned')
        row.maxAttempts = task.maxAttempts;
      row.workerId = task.status === 'assigned' ? task.workerId : null;
      if ('endedSeq' in task && row.endedAt === null) row.endedAt = entry.at;
      if (task.status === 'queued') row.endedAt = null;
    });
  });
  try {
    await tail.caughtUp;
  } finally {
    await tail.stop();
  }
  return [...rows.values()].filter((r) => matchesFilter(r, filter));
};
