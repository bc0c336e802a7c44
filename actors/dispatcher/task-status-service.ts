import type { Msg } from '@nats-io/transport-node';
import { inboxOwner, inboxPrefix, isName, TaskStatusRequest } from '../../events/index.ts';
import type { LogEntry, PoolId, ProjectId, TaskId, TaskStatusReply } from '../../events/index.ts';
import { taskAt, taskKey, waitReasonText, whyWaiting } from '../../domain/pool/index.ts';
import type { DispatchState } from '../../domain/pool/index.ts';
import type { EventLog } from '../../log/index.ts';
import type { RequestGate } from './request-gate.ts';
import type { RequestReader, ValidRequest } from './request-handler.ts';
import { withReport } from './task-report.ts';

/** What a task-status service needs of its dispatcher. */
export interface TaskStatusServiceOptions {
  readonly state: () => DispatchState;
  readonly log: EventLog;
  readonly pool: PoolId;
  readonly gate: RequestGate;
  /** Most status requests held, and most report reads under way, each. */
  readonly maxWaiting: number;
  readonly maxReplyBytes: number | undefined;
  readonly onError: (error: unknown) => void;
}

interface StatusSubject {
  readonly project: string;
  /** The requester's user key, when it asked on its own status subject. */
  readonly owner: string | undefined;
}

interface StatusWaiter extends StatusSubject {
  readonly taskId: string;
  readonly withReport: boolean;
  readonly msg: Msg;
  readonly timer: NodeJS.Timeout;
}

const USAGE =
  'a status request is {"taskId", "waitMs", "withReport"} on <root>_rpc.<project>.<pool>.status[.<user key>]';

const waiting = (r: TaskStatusReply) =>
  r.status === 'queued' || r.status === 'assigned' || r.status === 'unknown';

/** Keys of the tasks a folded message names: its events', or what a refusal was about. */
const tasksNamed = (entry: LogEntry): string[] => {
  if ('events' in entry)
    return entry.events.flatMap((e) =>
      'taskId' in e.data ? [taskKey(e.data.project, e.data.taskId)] : [],
    );
  const about = entry.about;
  if (about === undefined) return [];
  const ids = [...(about.taskId === undefined ? [] : [about.taskId]), ...(about.taskIds ?? [])];
  return ids.map((id) => taskKey(about.project, id));
};

/** Why a queued task waits, for its status reply: the words of `fleet top` and the HUD. */
const waitingOf = (s: DispatchState, project: string, taskId: string) => {
  const reason = whyWaiting(s, project as ProjectId, taskId as TaskId, Date.now());
  // Cut to the reply's bound: a requirement's detail lists values, and there may be many.
  const detail = waitReasonText(reason).slice(0, 2_048);
  return reason.kind === 'not_waiting' ? {} : { waiting: { reason: reason.kind, detail } };
};

/** The runtime chosen for a task: the launch decided for it, or the warm worker holding it. */
const runtimeOf = (s: DispatchState, key: string) => {
  const choice = s.launches.choices[key];
  if (choice !== undefined)
    return {
      runtime: { kind: choice.runtime, template: choice.template, reason: choice.reason },
    };
  const task = s.tasks.get(key);
  const worker = task?.status === 'assigned' ? s.workers[task.workerId] : undefined;
  if (worker === undefined) return {};
  const kind = worker.capability.runtime.kind;
  return { runtime: { kind, reason: `warm: held by live ${kind} worker ${worker.id}` } };
};

/** The latest progress of a running task's current attempt, for its status reply. */
const progressOf = (s: DispatchState, key: string): Pick<TaskStatusReply, 'progress'> => {
  const p = s.progress[key];
  const task = s.tasks.get(key);
  if (p === undefined || task?.status !== 'assigned' || task.attempt !== p.attempt) return {};
  const { seq: _seq, ...shown } = p;
  return { progress: shown };
};

/** The latest resubmission of a task's id, for its status reply. */
const resubmittedOf = (s: DispatchState, key: string): Pick<TaskStatusReply, 'resubmitted'> => {
  const r = s.resubmissions[key];
  const reason =
    r?.reason === 'duplicate' ? 'duplicate' : r?.reason === 'conflict' ? 'conflict' : undefined;
  if (r === undefined || reason === undefined) return {};
  return { resubmitted: { seq: r.seq, reason, detail: r.detail.slice(0, 2_048) } };
};

/**
 * Why a task is unknown: the fold keeps no trace of a task it forgot (forget-ended.ts), so it
 * cannot tell one never submitted from one that ended long ago; the stream still has both.
 */
const forgottenReason = (s: DispatchState): string => {
  const h = (ms: number) => (ms % 3_600_000 === 0 ? `${ms / 3_600_000} h` : `${ms / 1000} s`);
  return (
    `not known to the dispatcher: never submitted to this project and pool, or ended over ` +
    `${h(s.config.forgetEndedAfterMs)} ago (a dead letter: ${h(s.config.forgetDeadLettersAfterMs)}) ` +
    `and forgotten; the stream keeps its history (fleet events --task)`
  );
};

/** Task status, long-polled until the task ends: how producers learn outcomes and refusals. */
export const taskStatusService = (o: TaskStatusServiceOptions) => {
  const { gate, maxWaiting } = o;
  // By task key: a folded message wakes only the waiters of the tasks it names.
  const waiters = new Map<string, Set<StatusWaiter>>();
  let held = 0;
  /** Report reads under way; `stop` lets them answer. */
  const answering = new Set<Promise<void>>();

  const drop = (w: StatusWaiter) => {
    const key = taskKey(w.project, w.taskId);
    const set = waiters.get(key);
    if (set?.delete(w) !== true) return;
    held -= 1;
    if (set.size === 0) waiters.delete(key);
  };

  const statusOf = (project: string, taskId: string): TaskStatusReply => {
    const s = o.state();
    const key = taskKey(project, taskId);
    // A task that left the working state is answered from the ended index, exactly.
    const task = taskAt(s, key);
    const base = { taskId, project, pool: o.pool } as TaskStatusReply;
    if (task !== undefined)
      return {
        ...base,
        status: task.status,
        attempts: task.attempts,
        ...('endedSeq' in task ? { endedSeq: task.endedSeq } : {}),
        ...runtimeOf(s, key),
        ...(task.status === 'queued' ? waitingOf(s, project, taskId) : {}),
        ...progressOf(s, key),
        ...resubmittedOf(s, key),
      };
    const refused = s.refusedTasks[key];
    if (refused !== undefined)
      return { ...base, status: 'rejected', attempts: 0, reason: refused.reason };
    return { ...base, status: 'unknown', attempts: 0, reason: forgottenReason(s) };
  };

  const answer = (msg: Msg, owner: string | undefined, r: TaskStatusReply, report: boolean) => {
    if (!report || waiting(r)) {
      gate.reply(msg, 'status', owner, r);
      return;
    }
    // Reads of reports are bounded like long-polls: past the cap, the outcome without it.
    if (answering.size >= maxWaiting) {
      const bare = r.endedSeq === undefined || r.status === 'cancelled';
      gate.reply(msg, 'status', owner, bare ? r : { ...r, reportOmitted: 'unavailable' });
      return;
    }
    const p = withReport(o.log, r, o.maxReplyBytes, o.onError)
      .then((full) => {
        gate.reply(msg, 'status', owner, full);
      })
      .catch(o.onError)
      .finally(() => answering.delete(p));
    answering.add(p);
  };

  const reader: RequestReader<StatusSubject, TaskStatusRequest> = {
    kind: 'status',
    subject: (subject) => {
      const t = subject.split('.');
      const project = t[1];
      // `….status.<key>`: a requester with its own inbox, answered there alone.
      const owner = t[4];
      // A key token that is not a user key: answer nobody but an inbox of no one in particular.
      if (
        (t.length !== 4 && t.length !== 5) ||
        project === undefined ||
        !isName(project) ||
        (owner !== undefined && inboxOwner(inboxPrefix(owner)) === undefined)
      )
        return { ok: false, error: USAGE };
      return { ok: true, value: { project, owner } };
    },
    owner: (subject) => subject.owner,
    // Nobody to answer: holding the request for its wait would only keep memory.
    replyless: 'after-subject',
    emptyBody: {},
    schema: TaskStatusRequest,
    errors: { json: USAGE, schema: () => USAGE, noReply: USAGE },
  };

  const onStatus = ({ msg, subject, body }: ValidRequest<StatusSubject, TaskStatusRequest>) => {
    const { project, owner } = subject;
    const now0 = statusOf(project, body.taskId);
    // Past the cap a status request is answered at once: the requester polls again.
    if (!waiting(now0) || body.waitMs === 0 || held >= maxWaiting) {
      answer(msg, owner, now0, body.withReport);
      return;
    }
    const w: StatusWaiter = {
      project,
      owner,
      taskId: body.taskId,
      withReport: body.withReport,
      msg,
      timer: setTimeout(() => {
        drop(w);
        answer(msg, owner, statusOf(project, body.taskId), w.withReport);
      }, body.waitMs),
    };
    const key = taskKey(project, body.taskId);
    const set = waiters.get(key) ?? new Set<StatusWaiter>();
    set.add(w);
    waiters.set(key, set);
    held += 1;
  };

  /** Answers the waiters of task `key` whose task no longer waits. */
  const wake = (key: string) => {
    const set = waiters.get(key);
    if (set === undefined) return;
    for (const w of [...set]) {
      const r = statusOf(w.project, w.taskId);
      if (waiting(r)) continue;
      clearTimeout(w.timer);
      drop(w);
      answer(w.msg, w.owner, r, w.withReport);
    }
  };

  return {
    reader,
    serve: onStatus,
    /** A message was folded: the waiters of the tasks it names may be answered. */
    onFold: (entry: LogEntry) => {
      if (held > 0) for (const key of tasksNamed(entry)) wake(key);
    },
    /** Answers every waiter with the status as it is, and lets report reads finish. */
    stop: async () => {
      for (const set of waiters.values())
        for (const w of set) {
          clearTimeout(w.timer);
          answer(w.msg, w.owner, statusOf(w.project, w.taskId), w.withReport);
        }
      waiters.clear();
      held = 0;
      await Promise.allSettled([...answering]);
    },
  };
};
