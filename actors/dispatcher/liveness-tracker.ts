import { ErrorCode, Heartbeat, parseRpcSubject } from '../../events/index.ts';
import type {
  DispatchCommand,
  HeartbeatReply,
  LogEntry,
  ParsedRpcSubject,
} from '../../events/index.ts';
import { taskKey } from '../../domain/pool/index.ts';
import type { DispatchState } from '../../domain/pool/index.ts';
import type { ActorHost } from '../host/actor-host.ts';
import type { EventLog } from '../../log/index.ts';
import type { RequestGate } from './request-gate.ts';
import type { RequestReader, ValidRequest } from './request-handler.ts';

type BeatSubject = ParsedRpcSubject & { kind: 'hb' };

/** What a liveness tracker needs of its dispatcher. */
export interface LivenessTrackerOptions {
  readonly host: ActorHost<DispatchState, DispatchCommand>;
  readonly log: EventLog;
  readonly gate: RequestGate;
  readonly now: () => number;
  /** Most heartbeats held while the fold catches up. */
  readonly maxWaiting: number;
  /** Whether to answer heartbeats: a standby only notes them, to take over knowing who lives. */
  readonly answering: () => boolean;
  /** This dispatcher's term of service while it serves, named in every heartbeat reply. */
  readonly server: () => string | undefined;
  readonly onError: (error: unknown) => void;
}

/**
 * Workers' heartbeats, and the liveness checks they feed: a worker silent for too long is
 * declared lost, and attempts it or an expired lease abandoned are requeued.
 */
export const livenessTracker = (o: LivenessTrackerOptions) => {
  const { host, log, gate, now } = o;
  const ownerOf = (workerId: string) => host.state.workers[workerId]?.publicKey;
  /** Workers never heard from are given their grace from here: the start, or a takeover. */
  let graceFrom = now();
  const lastSeen: Record<string, number> = {};
  /** The attempts each worker named in its latest beat: their leases are extended. */
  const lastBeat: Record<string, Heartbeat['attempts']> = {};
  /** Heartbeats waiting for the fold to catch up before they are answered. */
  let catchingUp = 0;
  /**
   * The latest heartbeat of each worker heard while standing by, by `project/workerId`: its
   * worker may still await the answer the dead active dispatcher never gave (see `takeOver`).
   */
  const unanswered = new Map<string, { beat: ValidRequest<BeatSubject, Heartbeat>; at: number }>();
  /**
   * Older heartbeats are not answered on taking over: a worker awaits an answer for twice its
   * heartbeat, at least 1 s (twice that here: its heartbeat may not be the pool's).
   */
  const beatAwaitedMs = () => Math.max(2_000, 4 * host.state.config.heartbeatMs);

  const reader: RequestReader<BeatSubject, Heartbeat> = {
    kind: 'hb',
    subject: (subject) => {
      const parsed = parseRpcSubject(subject, log.subjects.root);
      if (!parsed.ok) return { ok: false, error: parsed.error.message };
      const value = parsed.value;
      return value.kind === 'hb'
        ? { ok: true, value: { ...value, kind: 'hb' } }
        : { ok: false, error: 'not a heartbeat' };
    },
    owner: (subject) => ownerOf(subject.workerId),
    // A beat keeps its worker alive whatever its reply subject; only the answer is refused.
    replyless: 'serve',
    // An empty body is a beat without attempts; anything else must be a valid heartbeat, or it
    // keeps nobody alive.
    emptyBody: { attempts: [] },
    schema: Heartbeat,
    errors: {
      json: 'heartbeat body is not JSON',
      schema: (issue) => `invalid heartbeat: ${issue}`,
      noReply: 'a heartbeat is answered only as a request',
    },
  };

  /** Keeps `beat` to answer on taking over; memory stays bounded whoever floods the subject. */
  const keep = (beat: ValidRequest<BeatSubject, Heartbeat>) => {
    const key = `${beat.subject.project}/${beat.subject.workerId}`;
    unanswered.delete(key);
    if (unanswered.size >= o.maxWaiting) {
      const oldest = unanswered.keys().next();
      if (oldest.done !== true) unanswered.delete(oldest.value);
    }
    unanswered.set(key, { beat, at: now() });
  };

  const onHeartbeat = (beat: ValidRequest<BeatSubject, Heartbeat>) => {
    const { workerId, project } = beat.subject;
    const w = host.state.workers[workerId];
    // The boundary again: a heartbeat on another project's subject keeps nobody alive.
    const known = w !== undefined && w.capability.project === project;
    if (known) {
      lastSeen[workerId] = now();
      lastBeat[workerId] = beat.body.attempts;
    }
    if (o.answering()) respond(beat);
    else if (known) keep(beat);
  };

  /** Answers a heartbeat: the worker's status, and the attempts it names that are not its own. */
  const respond = ({ msg, subject, body }: ValidRequest<BeatSubject, Heartbeat>) => {
    const { workerId, project, pool } = subject;
    if (!gate.mayAnswer(msg, 'hb', ownerOf(workerId))) return;
    const server = o.server();
    const answer = () => {
      const v = host.state.workers[workerId];
      const isKnown = v !== undefined && v.capability.project === project;
      const abort: HeartbeatReply['abort'] = [];
      const leases: NonNullable<HeartbeatReply['leases']> = [];
      const at = now();
      for (const { taskId, attempt } of body.attempts) {
        const t = host.state.tasks.get(taskKey(project, taskId));
        if (
          isKnown &&
          t?.status === 'assigned' &&
          t.workerId === workerId &&
          t.attempt === attempt
        ) {
          // Only a lease extended lately (or a fresh one) is news: more than half of it is left
          // for half a lease after each extension, a worker's beats hear it, and the reply of a
          // worker holding many attempts stays small.
          if (t.leaseExpiresAt - at > t.demand.timeoutMs / 2)
            leases.push({ taskId, attempt, leaseExpiresAt: t.leaseExpiresAt });
          continue;
        }
        // Its task was cancelled with this attempt the last: the handler is told why.
        const cancelled = isKnown && t?.status === 'cancelled' && t.attempts === attempt;
        abort.push({ taskId, attempt, ...(cancelled ? { reason: 'cancelled' as const } : {}) });
      }
      const status = isKnown ? v.status : 'unknown';
      return {
        status,
        abort,
        ...(leases.length > 0 ? { leases } : {}),
        ...(server === undefined ? {} : { server }),
      } satisfies HeartbeatReply;
    };
    const first = answer();
    if (first.abort.length === 0 && first.status !== 'unknown') {
      gate.reply(msg, 'hb', ownerOf(workerId), first);
      return;
    }
    // Told to abort, a worker drops real work; told it is unknown, it ends itself. First make
    // sure this dispatcher is not merely behind: another one of the pool that made the
    // assignment or saw the enrollment, or its own fold rebuilding after a restart.
    if (catchingUp >= o.maxWaiting) {
      // A transient error: the worker beats again later, and ends nothing for it.
      const why = 'the dispatcher is catching up; beat again';
      gate.refuse(msg, 'hb', ErrorCode.Unavailable, why, ownerOf(workerId));
      return;
    }
    catchingUp += 1;
    Promise.all([
      host.catchUp(log.subjects.dispatch(project, pool)),
      host.catchUp(log.subjects.member(project, pool, workerId)),
    ])
      .then(
        () => {
          const now1 = answer();
          if (now1.status !== 'unknown') lastSeen[workerId] = now();
          gate.reply(msg, 'hb', ownerOf(workerId), now1);
        },
        (e: unknown) => {
          o.onError(e);
          // Unsure, end nothing: a stale attempt's lease runs out and its report is refused.
          const why = 'the dispatcher could not catch up; beat again';
          gate.refuse(msg, 'hb', ErrorCode.Unavailable, why, ownerOf(workerId));
        },
      )
      .finally(() => {
        catchingUp -= 1;
      });
  };

  return {
    reader,
    serve: onHeartbeat,
    /**
     * A worker enrolled while this dispatcher runs is given its grace from now, not from the
     * dispatcher's start: it may not have sent its first heartbeat yet.
     */
    onFold: (entry: LogEntry) => {
      if ('events' in entry)
        for (const e of entry.events)
          if (e.type === 'worker.enrolled') lastSeen[e.data.workerId] ??= now();
    },
    /**
     * A standby takes over: workers it never heard from get their grace from now, and the latest
     * heartbeat of each worker, heard while standing by, is answered if its worker may still
     * await it. The answer names this dispatcher (`server`): a worker whose claim went to the
     * dead one, unheard here, asks again at once instead of after its claim's time-out.
     */
    takeOver: () => {
      graceFrom = now();
      const since = now() - beatAwaitedMs();
      const beats = [...unanswered.values()];
      unanswered.clear();
      for (const { beat, at } of beats) if (at > since) respond(beat);
    },
    /** Stands by again: heartbeats are kept from now, not those heard before. */
    standBy: () => {
      unanswered.clear();
    },
    /** Runs a liveness check. */
    checkLiveness: async () => {
      // Built when the mailbox runs it, so the heartbeats it reads are as fresh as the state.
      await host.execute(() => ({
        type: 'check_liveness',
        data: { lastSeen: { ...lastSeen }, graceFrom, beats: { ...lastBeat } },
        meta: { now: now() },
      }));
    },
  };
};
