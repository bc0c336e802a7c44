import { decode, isReadable, NotFoundError } from '../events/index.ts';
import type { EventOf, FleetEvent, PoolId, ProjectId } from '../events/index.ts';
import type { EventLog } from '../log/index.ts';
import { mentions } from '../projections/audit/index.ts';
import { readTasks } from './read-tasks.ts';
import type { TaskRow } from './read-tasks.ts';

/** A dead letter: its row, and its body as first submitted (what a redrive sends again). */
export interface DeadLetter {
  readonly row: TaskRow;
  readonly submission: EventOf<'task.submitted'>['data'];
}

/** The dead-lettered tasks the filter names (every one when it names none), oldest first. */
export const readDeadLetters = async (
  log: EventLog,
  filter: { readonly project?: ProjectId; readonly pool?: PoolId; readonly taskIds?: string[] },
): Promise<DeadLetter[]> => {
  const rows = await readTasks(log, {
    ...(filter.project === undefined ? {} : { project: filter.project }),
    ...(filter.pool === undefined ? {} : { pool: filter.pool }),
    statuses: new Set(['dead_lettered']),
  });
  const ids = filter.taskIds === undefined ? undefined : new Set(filter.taskIds);
  const wanted = rows
    .filter((r) => ids === undefined || ids.has(r.taskId))
    .sort((a, b) => a.submittedSeq - b.submittedSeq || a.index - b.index);
  const out: DeadLetter[] = [];
  for (const row of wanted) out.push({ row, submission: await submissionOf(log, row) });
  return out;
};

/** The `task.submitted` a row was read from: event `index` of the message at its sequence. */
const submissionOf = async (
  log: EventLog,
  row: TaskRow,
): Promise<EventOf<'task.submitted'>['data']> => {
  const m = await log.jsm.streams.getMessage(log.stream, { seq: row.submittedSeq });
  const decoded = m === null ? undefined : decode(m.subject, m.data, { root: log.subjects.root });
  const e = decoded?.ok === true ? decoded.value.events[row.index] : undefined;
  if (e?.type !== 'task.submitted' || e.data.taskId !== row.taskId)
    throw new NotFoundError(
      `the submission of task ${row.taskId} (seq ${row.submittedSeq}) is no longer in the stream`,
    );
  return e.data;
};

/** One task's events in the stream, in order, with their sequence and server time. */
export const readTaskHistory = async (
  log: EventLog,
  place: { readonly project: ProjectId; readonly pool: PoolId },
  taskId: string,
): Promise<{ seq: number; at: number; event: FleetEvent }[]> => {
  const out: { seq: number; at: number; event: FleetEvent }[] = [];
  const filter = `${log.subjects.root}.${place.project}.${place.pool}.>`;
  const tail = await log.tail(filter, 1, ({ entry }) => {
    if (!isReadable(entry)) return;
    for (const event of entry.events)
      if (
        mentions(event, { taskId }) &&
        'project' in event.data &&
        event.data.project === place.project
      )
        out.push({ seq: entry.seq, at: entry.at, event });
  });
  try {
    await tail.caughtUp;
  } finally {
    await tail.stop();
  }
  return out;
};
