import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { Msg, Subscription } from '@nats-io/transport-node';
import type { z } from 'zod';
import {
  ClaimRequest,
  decode,
  ErrorCode,
  Heartbeat,
  inboxOwner,
  inboxPrefix,
  isName,
  MAX_MESSAGE_BYTES,
  replyRefusal,
  parseRpcSubject,
  taskReportOf,
  TaskStatusRequest,
} from '../../events/index.ts';
import type {
  Assignment,
  Claim,
  ClaimReply,
  DispatchCommand,
  EventOf,
  HeartbeatReply,
  LogEntry,
  PoolId,
  TaskStatusReply,
} from '../../events/index.ts';
import { ActorHost } from '../host/actor-host.ts';
import type { HostOptions } from '../host/actor-host.ts';
import { DivergedError } from '../host/diverged.ts';
import type { EventLog } from '../host/event-log.ts';
import type { Snapshots } from '../host/snapshots.ts';
import { dispatcherLogic } from './dispatcher-logic.ts';
import { taskKey } from '../../domain/pool/index.ts';
import type { DispatcherConfig, DispatchState } from '../../domain/pool/index.ts';

/** Options of a running dispatcher. */
export interface DispatcherOptions {
  readonly log: EventLog;
  readonly pool: PoolId;
  readonly config?: Partial<Omit<DispatcherConfig, 'pool'>>;
  readonly snapshots?: Snapshots;
  /** Most assignments per round (default 1000). */
  readonly budget?: number;
  /** The clock (default `Date.now`). */
  readonly now?: () => number;
  /** Told of errors the dispatcher survived. */
  readonly onError?: (error: unknown) => void;
  /** Told every `progressEveryMs` (2 s) how far the catch-up with the log is, until ready. */
  readonly onProgress?: HostOptions['onProgress'];
  readonly progressEveryMs?: number;
  /** How the dispatcher's host bounds conflicts re-reading does not resolve (see ActorHost). */
  readonly divergence?: Pick<HostOptions, 'maxUnresolvedConflicts' | 'divergedPauseMs'>;
  /**
   * Told of each request left unanswered because its reply subject is not the requester's own
   * inbox (a JetStream API subject, a stored subject, another user's inbox): the dispatcher
   * would answer with its own rights, so it answers nobody. Also counted in `refusals()`.
   */
  readonly onRefused?: (refusal: RequestRefused) => void;
  /**
   * Largest status reply in bytes; a report that would make it larger is left out
   * (`reportOmitted: 'too_large'`). The server's max payload by default, and never above it.
   */
  readonly maxReplyBytes?: number;
  /**
   * Most long-polls held at once, of claims, of status requests and of heartbeats waiting for
   * the fold to catch up, each (default 10,000). Beyond it a claim or such a heartbeat is
   * refused as `unavailable` (the worker backs off and asks again) and a status request is
   * answered at once: memory stays bounded whoever floods the subjects.
   */
  readonly maxWaiting?: number;
}

/** A request the dispatcher dropped unanswered, and why. */
export interface RequestRefused {
  readonly kind: RequestKind;
  readonly reason: RequestRefusal;
  readonly detail: string;
  /** The subject the request arrived on: it names the requester. */
  readonly subject: string;
}

/** The kinds of request a dispatcher serves. */
export type RequestKind = 'claim' | 'hb' | 'status';

interface PendingClaim {
  readonly msg: Msg;
  readonly claim: Claim;
  readonly deadline: number;
  readonly timer: NodeJS.Timeout;
}

const encoder = new TextEncoder();
/** The answer to a request the dispatcher could not read: why, and the codec's code for it. */
interface RequestError {
  readonly error: string;
  readonly code: ErrorCode;
}
type ReplyBody = ClaimReply | HeartbeatReply | TaskStatusReply | RequestError;

/** Why a request was not served: the codec's codes, and `no_reply` for a claim nobody awaits. */
export type RequestRefusal = ErrorCode | 'no_reply';

/** The first problem zod found, briefly (a huge body must not make a huge answer). */
const firstIssue = (error: z.ZodError): string => {
  const issue = error.issues[0];
  if (issue === undefined) return 'invalid';
  const path = issue.path.map(String).join('.');
  return `${path === '' ? '' : `${path}: `}${issue.message}${error.issues.length > 1 ? ' (and more)' : ''}`;
};

/** A request body as JSON; an empty body is `{}`, so defaults apply. */
const bodyOf = (msg: Msg): { ok: true; body: unknown } | { ok: false } => {
  if (msg.data.length === 0) return { ok: true, body: {} };
  try {
    return { ok: true, body: msg.json<unknown>() };
  } catch {
    return { ok: false };
  }
};

/** A running dispatcher of one pool. */
export interface Dispatcher {
  readonly host: ActorHost<DispatchState, DispatchCommand>;
  /** Claims waiting for work (long-polled). */
  readonly waiting: () => number;
  /**
   * Requests refused since start without being served, by `<claim|hb|status>:<reason>` (a body
   * that is not JSON, not valid, or on a subject that does not parse; a claim without a reply
   * subject). Refused claims of valid requests are stored events, folded into `claimsRefused`.
   */
  refusals(): Readonly<Record<string, number>>;
  /** Runs a liveness check now (also runs on a timer). */
  checkLiveness(): Promise<void>;
  /**
   * Resolves with the error the dispatcher gave up with (its log diverged from what it folded):
   * it then serves nothing more; stop it and exit.
   */
  readonly failed: Promise<Error>;
  stop(): Promise<void>;
}

/**
 * Starts the dispatcher of a pool: folds the pool's events, serves workers' long-polled claims
 * in rounds (replying only with appended, folded assignments), tracks heartbeats, and declares
 * silent workers lost and abandoned attempts requeued. Several dispatchers may serve one pool:
 * exclusive appends make them take turns, never assign one attempt twice.
 */
export const startDispatcher = async (options: DispatcherOptions): Promise<Dispatcher> => {
  const { log, pool } = options;
  const now = options.now ?? Date.now;
  const onError = options.onError ?? (() => undefined);
  const config = { ...options.config, pool };
  const host = await ActorHost.start(log, dispatcherLogic(log.subjects, config), {
    onError,
    ...options.divergence,
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    ...(options.progressEveryMs === undefined ? {} : { progressEveryMs: options.progressEveryMs }),
    ...(options.snapshots === undefined ? {} : { snapshots: options.snapshots }),
  });
  // The host tells of giving up once; the commands that fail with it afterwards need not.
  const onCommandError = (e: unknown) => {
    if (!(e instanceof DivergedError)) onError(e);
  };
  const startedAt = now();
  const lastSeen: Record<string, number> = {};
  const maxWaiting = options.maxWaiting ?? 10_000;
  /** Heartbeats waiting for the fold to catch up before they are answered. */
  let catchingUp = 0;
  // Insertion-ordered: the oldest claims are served first.
  const pending = new Set<PendingClaim>();
  let roundScheduled = false;
  // One round at a time: a second round started while the first awaits its append would serve
  // the same claims again, and assignments for a claim already answered would be lost.
  let roundRunning = false;
  let roundAgain = false;
  let stopped = false;
  const refusals: Record<string, number> = {};
  const count = (kind: RequestKind, reason: RequestRefusal) => {
    const k = `${kind}:${reason}`;
    refusals[k] = (refusals[k] ?? 0) + 1;
  };
  /** A worker's NATS user key, when it enrolled with one: its requests' replies go there. */
  const ownerOf = (workerId: string): string | undefined => host.state.workers[workerId]?.publicKey;
  /**
   * Whether `msg` may be answered: it has a reply subject, and that subject is an inbox — the
   * requester's own when `owner` is known. A refused one is counted and told, never answered.
   */
  const mayAnswer = (msg: Msg, kind: RequestKind, owner: string | undefined): boolean => {
    if (msg.reply === undefined || msg.reply === '') return false;
    const refused = replyRefusal(msg.reply, owner);
    if (refused === undefined) return true;
    count(kind, refused.code);
    options.onRefused?.({
      kind,
      reason: refused.code,
      detail: refused.detail,
      subject: msg.subject,
    });
    return false;
  };
  const reply = (msg: Msg, kind: RequestKind, owner: string | undefined, body: ReplyBody) => {
    if (mayAnswer(msg, kind, owner)) msg.respond(encoder.encode(JSON.stringify(body)));
  };
  /** Counts a request the dispatcher will not serve, and tells its sender why if it listens. */
  const refuse = (
    msg: Msg,
    kind: RequestKind,
    reason: RequestRefusal,
    error: string,
    owner?: string,
  ) => {
    count(kind, reason);
    if (reason !== 'no_reply') reply(msg, kind, owner, { error, code: reason });
  };

  const settle = (p: PendingClaim, body: ClaimReply) => {
    clearTimeout(p.timer);
    pending.delete(p);
    reply(p.msg, 'claim', ownerOf(p.claim.workerId), body);
  };

  const assignmentOf = (s: DispatchState, e: EventOf<'task.assigned'>): Assignment | undefined => {
    const task = s.tasks[taskKey(e.data.project, e.data.taskId)];
    // Only what the fold accepted is real; a decision that lost to a concurrent event is not sent.
    if (
      task?.status !== 'assigned' ||
      task.workerId !== e.data.workerId ||
      task.attempt !== e.data.attempt
    )
      return undefined;
    return {
      taskId: task.id,
      project: task.demand.project,
      pool: task.demand.pool,
      attempt: task.attempt,
      leaseExpiresAt: task.leaseExpiresAt,
      timeoutMs: task.demand.timeoutMs,
      payload: task.payload as Assignment['payload'],
    };
  };

  const inRound = new Set<PendingClaim>();
  const round = async () => {
    roundScheduled = false;
    if (stopped || pending.size === 0) return;
    roundRunning = true;
    const served = [...pending];
    for (const p of served) inRound.add(p);
    try {
      await serve(served);
    } finally {
      inRound.clear();
      // Claims whose wait ran out during the round are answered now.
      for (const p of served)
        if (pending.has(p) && p.deadline <= now()) settle(p, { assignments: [] });
      roundRunning = false;
      // What arrived or was folded during the round gets a round of its own.
      if (roundAgain) {
        roundAgain = false;
        scheduleRound();
      }
    }
  };

  const serve = async (served: PendingClaim[]) => {
    const { events } = await host.execute({
      type: 'serve_claims',
      data: { claims: served.map((p) => p.claim), budget: options.budget ?? 1000 },
      meta: { now: now() },
    });
    const byWorker = new Map<string, Assignment[]>();
    for (const e of events) {
      if (e.type === 'claim.rejected') {
        for (const p of served.filter(
          (x) => x.claim.workerId === e.data.workerId && x.claim.project === e.data.project,
        ))
          settle(p, { refused: { reason: e.data.reason, detail: e.data.detail ?? e.data.reason } });
      } else if (e.type === 'task.assigned') {
        const a = assignmentOf(host.state, e);
        if (a !== undefined)
          byWorker.set(e.data.workerId, [...(byWorker.get(e.data.workerId) ?? []), a]);
      }
    }
    // A worker's assignments go to its oldest waiting claims, each up to its max.
    for (const [workerId, list] of byWorker) {
      for (const p of served.filter((x) => x.claim.workerId === workerId && pending.has(x))) {
        if (list.length === 0) break;
        settle(p, { assignments: list.splice(0, p.claim.max) });
      }
    }
  };

  const scheduleRound = () => {
    if (roundScheduled || stopped || pending.size === 0) return;
    if (roundRunning) {
      roundAgain = true;
      return;
    }
    roundScheduled = true;
    setImmediate(() => {
      round().catch(onCommandError);
    });
  };

  const onClaim = (msg: Msg) => {
    // Nobody would hear the assignments: they would sit on a lease until it expired.
    if (msg.reply === undefined || msg.reply === '') {
      refuse(msg, 'claim', 'no_reply', 'a claim must be a request');
      return;
    }
    const subject = parseRpcSubject(msg.subject, log.subjects.root);
    if (!subject.ok || subject.value.kind !== 'claim') {
      refuse(
        msg,
        'claim',
        ErrorCode.BadSubject,
        subject.ok ? 'not a claim' : subject.error.message,
      );
      return;
    }
    const { project, workerId } = subject.value;
    const owner = ownerOf(workerId);
    // Checked before anything is held: a claim nobody may be answered on is dropped at once.
    if (!mayAnswer(msg, 'claim', owner)) return;
    const read = bodyOf(msg);
    if (!read.ok) {
      refuse(msg, 'claim', ErrorCode.MalformedJson, 'claim body is not JSON', owner);
      return;
    }
    const request = ClaimRequest.safeParse(read.body);
    if (!request.success) {
      const why = `invalid claim: ${firstIssue(request.error)}`;
      refuse(msg, 'claim', ErrorCode.SchemaInvalid, why, owner);
      return;
    }
    if (pending.size >= maxWaiting) {
      refuse(
        msg,
        'claim',
        ErrorCode.Unavailable,
        `the dispatcher already holds ${pending.size} waiting claims; ask again later`,
        owner,
      );
      return;
    }
    const claim: Claim = { workerId, project, pool: subject.value.pool, max: request.data.max };
    const deadline = now() + request.data.waitMs;
    const p: PendingClaim = {
      msg,
      claim,
      deadline,
      timer: setTimeout(() => {
        // A claim in a round under way is answered when the round ends, with what it got.
        if (pending.has(p) && !inRound.has(p)) settle(p, { assignments: [] });
      }, request.data.waitMs),
    };
    pending.add(p);
    scheduleRound();
  };

  const onHeartbeat = (msg: Msg) => {
    const subject = parseRpcSubject(msg.subject, log.subjects.root);
    if (!subject.ok || subject.value.kind !== 'hb') {
      refuse(
        msg,
        'hb',
        ErrorCode.BadSubject,
        subject.ok ? 'not a heartbeat' : subject.error.message,
      );
      return;
    }
    // An empty body is a beat without attempts; anything else must be a valid heartbeat, or it
    // keeps nobody alive.
    const { workerId, project } = subject.value;
    const read = bodyOf(msg);
    const hb = read.ok
      ? Heartbeat.safeParse(msg.data.length === 0 ? { attempts: [] } : read.body)
      : undefined;
    if (hb === undefined || !hb.success) {
      const owner = ownerOf(workerId);
      if (hb === undefined)
        refuse(msg, 'hb', ErrorCode.MalformedJson, 'heartbeat body is not JSON', owner);
      else
        refuse(
          msg,
          'hb',
          ErrorCode.SchemaInvalid,
          `invalid heartbeat: ${firstIssue(hb.error)}`,
          owner,
        );
      return;
    }
    const w = host.state.workers[workerId];
    // The boundary again: a heartbeat on another project's subject keeps nobody alive.
    const known = w !== undefined && w.capability.project === project;
    if (known) lastSeen[workerId] = now();
    // A beat keeps its worker alive whatever its reply subject; only the answer is refused.
    if (!mayAnswer(msg, 'hb', ownerOf(workerId))) return;
    const answer = () => {
      const v = host.state.workers[workerId];
      const isKnown = v !== undefined && v.capability.project === project;
      const abort = hb.data.attempts.filter(({ taskId, attempt }) => {
        const t = host.state.tasks[taskKey(project, taskId)];
        return !(
          isKnown &&
          t?.status === 'assigned' &&
          t.workerId === workerId &&
          t.attempt === attempt
        );
      });
      return { status: isKnown ? v.status : 'unknown', abort } satisfies HeartbeatReply;
    };
    const first = answer();
    if (first.abort.length === 0 && first.status !== 'unknown') {
      reply(msg, 'hb', ownerOf(workerId), first);
      return;
    }
    // Told to abort, a worker drops real work; told it is unknown, it ends itself. First make
    // sure this dispatcher is not merely behind: another one of the pool that made the
    // assignment or saw the enrollment, or its own fold rebuilding after a restart.
    if (catchingUp >= maxWaiting) {
      // A transient error: the worker beats again later, and ends nothing for it.
      refuse(
        msg,
        'hb',
        ErrorCode.Unavailable,
        'the dispatcher is catching up; beat again',
        ownerOf(workerId),
      );
      return;
    }
    catchingUp += 1;
    const { pool } = subject.value;
    Promise.all([
      host.catchUp(log.subjects.dispatch(project, pool)),
      host.catchUp(log.subjects.member(project, pool, workerId)),
    ])
      .then(
        () => {
          const now1 = answer();
          if (now1.status !== 'unknown') lastSeen[workerId] = now();
          reply(msg, 'hb', ownerOf(workerId), now1);
        },
        (e: unknown) => {
          onError(e);
          // Unsure, end nothing: a stale attempt's lease runs out and its report is refused.
          refuse(
            msg,
            'hb',
            ErrorCode.Unavailable,
            'the dispatcher could not catch up; beat again',
            ownerOf(workerId),
          );
        },
      )
      .finally(() => {
        catchingUp -= 1;
      });
  };

  // Task status, long-polled until the task ends: how producers learn outcomes and refusals.
  interface StatusWaiter {
    readonly project: string;
    /** The requester's user key, when it asked on its own status subject. */
    readonly owner: string | undefined;
    readonly taskId: string;
    readonly withReport: boolean;
    readonly msg: Msg;
    readonly timer: NodeJS.Timeout;
  }
  // By task key: a folded message wakes only the waiters of the tasks it names.
  const statusWaiters = new Map<string, Set<StatusWaiter>>();
  let statusWaiting = 0;
  const dropWaiter = (w: StatusWaiter) => {
    const key = taskKey(w.project, w.taskId);
    const set = statusWaiters.get(key);
    if (set?.delete(w) !== true) return;
    statusWaiting -= 1;
    if (set.size === 0) statusWaiters.delete(key);
  };
  const statusOf = (project: string, taskId: string): TaskStatusReply => {
    const s = host.state;
    const key = taskKey(project, taskId);
    const task = s.tasks[key];
    const base = { taskId, project, pool } as TaskStatusReply;
    if (task !== undefined)
      return {
        ...base,
        status: task.status,
        attempts: task.attempts,
        ...('endedSeq' in task ? { endedSeq: task.endedSeq } : {}),
      };
    const refused = s.refusedTasks[key];
    if (refused !== undefined)
      return { ...base, status: 'rejected', attempts: 0, reason: refused.reason };
    return { ...base, status: 'unknown', attempts: 0 };
  };
  const waiting = (r: TaskStatusReply) =>
    r.status === 'queued' || r.status === 'assigned' || r.status === 'unknown';

  /**
   * `r` with what the message that ended the task reported for it. Producers have no stream
   * API, so the dispatcher reads it for them — only the message at the task's own `endedSeq`,
   * and only what that message says about this task of this project and pool.
   */
  const withReport = async (r: TaskStatusReply): Promise<TaskStatusReply> => {
    if (r.endedSeq === undefined || r.status === 'cancelled') return r;
    let stored;
    try {
      stored = await log.jsm.streams.getMessage(log.stream, { seq: r.endedSeq });
    } catch (cause) {
      // A message removed by the stream's limits is not the dispatcher's failure.
      if (!(cause instanceof JetStreamApiError && cause.code === JetStreamApiCodes.NoMessageFound))
        onError(cause);
      stored = null;
    }
    if (stored === null) return { ...r, reportOmitted: 'unavailable' };
    const decoded = decode(stored.subject, stored.data, { root: log.subjects.root });
    const task = { project: r.project, pool: r.pool, taskId: r.taskId };
    const report = decoded.ok ? (taskReportOf(decoded.value.events, task) ?? {}) : {};
    const full = { ...r, report };
    // The reply must fit the server's max payload, or the requester would get nothing at all.
    const max = Math.min(
      log.nc.info?.max_payload ?? MAX_MESSAGE_BYTES,
      options.maxReplyBytes ?? Number.POSITIVE_INFINITY,
    );
    return encoder.encode(JSON.stringify(full)).byteLength <= max
      ? full
      : { ...r, reportOmitted: 'too_large' };
  };
  /** Report reads under way; `stop` lets them answer. */
  const answering = new Set<Promise<void>>();
  const answerStatus = (
    msg: Msg,
    owner: string | undefined,
    r: TaskStatusReply,
    report: boolean,
  ) => {
    if (!report || waiting(r)) {
      reply(msg, 'status', owner, r);
      return;
    }
    // Reads of reports are bounded like long-polls: past the cap, the outcome without it.
    if (answering.size >= maxWaiting) {
      reply(
        msg,
        'status',
        owner,
        r.endedSeq === undefined || r.status === 'cancelled'
          ? r
          : { ...r, reportOmitted: 'unavailable' },
      );
      return;
    }
    const p = withReport(r)
      .then((full) => {
        reply(msg, 'status', owner, full);
      })
      .catch(onError)
      .finally(() => answering.delete(p));
    answering.add(p);
  };
  const onStatus = (msg: Msg) => {
    const t = msg.subject.split('.');
    const project = t[1];
    // `….status.<key>`: a requester with its own inbox, answered there alone.
    const owner = t[4];
    const usage =
      'a status request is {"taskId", "waitMs", "withReport"} on <root>_rpc.<project>.<pool>.status[.<user key>]';
    if (
      (t.length !== 4 && t.length !== 5) ||
      project === undefined ||
      !isName(project) ||
      (owner !== undefined && inboxOwner(inboxPrefix(owner)) === undefined)
    ) {
      // The key token is not a user key: answer nobody but an inbox of no one in particular.
      refuse(msg, 'status', ErrorCode.BadSubject, usage);
      return;
    }
    // Nobody to answer: holding the request for its wait would only keep memory.
    if (msg.reply === undefined || msg.reply === '') {
      refuse(msg, 'status', 'no_reply', usage);
      return;
    }
    if (!mayAnswer(msg, 'status', owner)) return;
    const read = bodyOf(msg);
    const req = read.ok ? TaskStatusRequest.safeParse(read.body) : undefined;
    if (req === undefined || !req.success) {
      refuse(
        msg,
        'status',
        req === undefined ? ErrorCode.MalformedJson : ErrorCode.SchemaInvalid,
        usage,
        owner,
      );
      return;
    }
    const now0 = statusOf(project, req.data.taskId);
    // Past the cap a status request is answered at once: the requester polls again.
    if (!waiting(now0) || req.data.waitMs === 0 || statusWaiting >= maxWaiting) {
      answerStatus(msg, owner, now0, req.data.withReport);
      return;
    }
    const w: StatusWaiter = {
      project,
      owner,
      taskId: req.data.taskId,
      withReport: req.data.withReport,
      msg,
      timer: setTimeout(() => {
        dropWaiter(w);
        answerStatus(msg, owner, statusOf(project, req.data.taskId), w.withReport);
      }, req.data.waitMs),
    };
    const key = taskKey(project, req.data.taskId);
    const set = statusWaiters.get(key) ?? new Set<StatusWaiter>();
    set.add(w);
    statusWaiters.set(key, set);
    statusWaiting += 1;
  };
  /** Answers the waiters of task `key` whose task no longer waits. */
  const answerStatusWaiters = (key: string) => {
    const set = statusWaiters.get(key);
    if (set === undefined) return;
    for (const w of [...set]) {
      const r = statusOf(w.project, w.taskId);
      if (waiting(r)) continue;
      clearTimeout(w.timer);
      dropWaiter(w);
      answerStatus(w.msg, w.owner, r, w.withReport);
    }
  };
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

  const checkLiveness = async () => {
    // Built when the mailbox runs it, so the heartbeats it reads are as fresh as the state.
    await host.execute(() => ({
      type: 'check_liveness',
      data: { lastSeen: { ...lastSeen }, graceFrom: startedAt },
      meta: { now: now() },
    }));
  };

  /** A handler that throws is told to `onError`; it must never reach the connection's reader. */
  const guarded = (handler: (msg: Msg) => void) => (err: Error | null, msg: Msg) => {
    if (err !== null) {
      onError(err);
      return;
    }
    try {
      handler(msg);
    } catch (e) {
      onError(e);
    }
  };

  const queue = `fleet-dispatch-${pool}`;
  const subs: Subscription[] = [
    log.nc.subscribe(log.subjects.poolClaims(pool), { queue, callback: guarded(onClaim) }),
    log.nc.subscribe(log.subjects.poolStatus(pool), { queue, callback: guarded(onStatus) }),
    log.nc.subscribe(log.subjects.poolStatusOwned(pool), { queue, callback: guarded(onStatus) }),
    log.nc.subscribe(log.subjects.poolHeartbeats(pool), { callback: guarded(onHeartbeat) }),
  ];
  const unlisten = host.onFold(({ entry }) => {
    // A worker enrolled while this dispatcher runs is given its grace from now, not from the
    // dispatcher's start: it may not have sent its first heartbeat yet.
    if ('events' in entry)
      for (const e of entry.events)
        if (e.type === 'worker.enrolled') lastSeen[e.data.workerId] ??= now();
    scheduleRound();
    if (statusWaiting > 0) for (const key of tasksNamed(entry)) answerStatusWaiters(key);
  });
  const heartbeatMs = host.state.config.heartbeatMs;
  const ticker = setInterval(
    () => {
      checkLiveness().catch(onCommandError);
    },
    Math.max(50, Math.floor(heartbeatMs / 2)),
  );
  const halt = () => {
    stopped = true;
    clearInterval(ticker);
    unlisten();
    for (const s of subs) s.unsubscribe();
  };
  // Given up: no more rounds or liveness checks, which would only fail again and again.
  void host.failed.then(halt);
  await log.nc.flush();

  return {
    failed: host.failed,
    host,
    waiting: () => pending.size,
    refusals: () => ({ ...refusals }),
    checkLiveness,
    stop: async () => {
      halt();
      await host.mailbox.idle();
      for (const p of [...pending]) settle(p, { assignments: [] });
      for (const set of statusWaiters.values())
        for (const w of set) {
          clearTimeout(w.timer);
          answerStatus(w.msg, w.owner, statusOf(w.project, w.taskId), w.withReport);
        }
      statusWaiters.clear();
      statusWaiting = 0;
      await Promise.allSettled([...answering]);
      await host.snapshot().catch(onError);
      await host.stop();
    },
  };
};
