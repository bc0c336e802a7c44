import type { Msg } from '@nats-io/transport-node';
import { ClaimRequest, ErrorCode, parseRpcSubject, subjects } from '../../events/index.ts';
import type {
  Assignment,
  Claim,
  ClaimReply,
  DispatchCommand,
  EventOf,
  ParsedRpcSubject,
} from '../../events/index.ts';
import { taskKey } from '../../domain/pool/index.ts';
import type { AssignedTask, DispatchState } from '../../domain/pool/index.ts';
import type { ActorHost } from '../host/actor-host.ts';
import type { RequestGate } from './request-gate.ts';
import { assignmentTraces } from './assignment-traces.ts';
import type { OverheardClaim } from './overheard-claims.ts';
import type { TaskTraces } from './task-traces.ts';
import type { RequestReader, ValidRequest } from './request-handler.ts';

interface PendingClaim {
  readonly msg: Msg;
  readonly claim: Claim;
  /** The worker's count of its claims, when it sends one. */
  readonly id: number | undefined;
  readonly deadline: number;
  readonly timer: NodeJS.Timeout;
}

type ClaimSubject = ParsedRpcSubject & { kind: 'claim' };

/** What a claim service needs of its dispatcher. */
export interface ClaimServiceOptions {
  readonly host: ActorHost<DispatchState, DispatchCommand>;
  readonly gate: RequestGate;
  readonly root: string;
  readonly now: () => number;
  /** Most assignments per round. */
  readonly budget: number;
  /** Most claims held at once. */
  readonly maxWaiting: number;
  readonly onCommandError: (error: unknown) => void;
  /** The trace context of each submission, which the assignments continue. */
  readonly traces: TaskTraces;
}

/** What the worker of an assigned task is given to run it. */
const assignmentFrom = (task: AssignedTask): Assignment => ({
  taskId: task.id,
  project: task.demand.project,
  pool: task.demand.pool,
  attempt: task.attempt,
  leaseExpiresAt: task.leaseExpiresAt,
  timeoutMs: task.demand.timeoutMs,
  payload: task.payload as Assignment['payload'],
});

/** The assignment a folded `task.assigned` gives its worker, or nothing if the fold refused it. */
const assignmentOf = (s: DispatchState, e: EventOf<'task.assigned'>): Assignment | undefined => {
  const task = s.tasks.get(taskKey(e.data.project, e.data.taskId));
  // Only what the fold accepted is real; a decision that lost to a concurrent event is not sent.
  if (
    task?.status !== 'assigned' ||
    task.workerId !== e.data.workerId ||
    task.attempt !== e.data.attempt
  )
    return undefined;
  return assignmentFrom(task);
};

/** The attempts the fold says `claim`'s worker holds, whose lease has not run out at `now`. */
const heldBy = (s: DispatchState, claim: Claim, now: number): Assignment[] => {
  const w = s.workers[claim.workerId];
  if (w?.capability.project !== claim.project) return [];
  const out: Assignment[] = [];
  for (const key of w.held) {
    const task = s.tasks.get(key);
    if (task?.status === 'assigned' && task.workerId === w.id && task.leaseExpiresAt > now)
      out.push(assignmentFrom(task));
  }
  return out;
};

/**
 * Workers' long-polled claims, served in rounds: each round decides `serve_claims` on the folded
 * state and answers only with assignments appended and folded.
 */
export const claimService = (o: ClaimServiceOptions) => {
  const { host, gate, now } = o;
  const ownerOf = (workerId: string) => host.state.workers[workerId]?.publicKey;
  // Insertion-ordered: the oldest claims are served first.
  const pending = new Set<PendingClaim>();
  /** The claim each worker waits on, by `project/workerId`: one each, the latest. */
  const latest = new Map<string, PendingClaim>();
  const workerKey = (c: { readonly project: string; readonly workerId: string }) =>
    `${c.project}/${c.workerId}`;
  const inRound = new Set<PendingClaim>();
  let roundScheduled = false;
  // One round at a time: a second round started while the first awaits its append would serve
  // the same claims again, and assignments for a claim already answered would be lost.
  let roundRunning = false;
  let roundAgain = false;
  let stopped = false;

  /** Answers `p`, once. */
  const settle = (p: PendingClaim, body: ClaimReply) => {
    if (!pending.has(p)) return;
    clearTimeout(p.timer);
    pending.delete(p);
    const key = workerKey(p.claim);
    if (latest.get(key) === p) latest.delete(key);
    const traced =
      'assignments' in body && body.assignments.length > 0
        ? assignmentTraces(o.traces, p.claim.workerId, body.assignments)
        : undefined;
    gate.reply(p.msg, 'claim', ownerOf(p.claim.workerId), body, traced);
  };

  const serve = async (served: PendingClaim[]) => {
    const { events } = await host.execute({
      type: 'serve_claims',
      data: { claims: served.map((p) => p.claim), budget: o.budget },
      meta: { now: now() },
    });
    // By worker: the claim it waits on now is the one answered — the one served, or the newer
    // one it sent during the round, which superseded it (see `onClaim`).
    const byWorker = new Map<string, Assignment[]>();
    for (const e of events) {
      if (e.type === 'claim.rejected') {
        const p = latest.get(workerKey(e.data));
        const detail = e.data.detail ?? e.data.reason;
        if (p !== undefined) settle(p, { refused: { reason: e.data.reason, detail } });
      } else if (e.type === 'task.assigned') {
        const a = assignmentOf(host.state, e);
        const key = workerKey(e.data);
        if (a !== undefined) byWorker.set(key, [...(byWorker.get(key) ?? []), a]);
      }
    }
    // Whole: the fold assigned no worker more than its free slots.
    for (const [key, assignments] of byWorker) {
      const p = latest.get(key);
      if (p !== undefined) settle(p, { assignments });
    }
  };

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

  const scheduleRound = () => {
    if (roundScheduled || stopped || pending.size === 0) return;
    if (roundRunning) {
      roundAgain = true;
      return;
    }
    roundScheduled = true;
    setImmediate(() => {
      round().catch(o.onCommandError);
    });
  };

  const reader: RequestReader<ClaimSubject, ClaimRequest> = {
    kind: 'claim',
    subject: (subject) => {
      const parsed = parseRpcSubject(subject, o.root);
      if (!parsed.ok) return { ok: false, error: parsed.error.message };
      const value = parsed.value;
      return value.kind === 'claim'
        ? { ok: true, value: { ...value, kind: 'claim' } }
        : { ok: false, error: 'not a claim' };
    },
    owner: (subject) => ownerOf(subject.workerId),
    // Nobody would hear the assignments: they would sit on a lease until it expired.
    replyless: 'first',
    emptyBody: {},
    schema: ClaimRequest,
    errors: {
      json: 'claim body is not JSON',
      schema: (issue) => `invalid claim: ${issue}`,
      noReply: 'a claim must be a request',
    },
  };

  const onClaim = ({ msg, subject, body, owner }: ValidRequest<ClaimSubject, ClaimRequest>) => {
    const { project, pool, workerId } = subject;
    const claim: Claim = { workerId, project, pool, max: body.max };
    const key = workerKey(claim);
    const before = latest.get(key);
    // A claim that supersedes one held holds no more than before.
    if (before === undefined && pending.size >= o.maxWaiting) {
      gate.refuse(
        msg,
        'claim',
        ErrorCode.Unavailable,
        `the dispatcher already holds ${pending.size} waiting claims; ask again later`,
        owner,
      );
      return;
    }
    if (before !== undefined) {
      // A worker waits on one claim at a time: an older one arriving late is answered with
      // nothing; a newer one supersedes the one held (whose worker gave it up), so no two claims
      // of one worker are ever both given work.
      if (body.id !== undefined && before.id !== undefined && body.id < before.id) {
        gate.reply(msg, 'claim', owner, { assignments: [] });
        return;
      }
      settle(before, { assignments: [] });
    }
    const p: PendingClaim = {
      msg,
      claim,
      id: body.id,
      deadline: now() + body.waitMs,
      timer: setTimeout(() => {
        // A claim in a round under way is answered when the round ends, with what it got.
        if (pending.has(p) && !inRound.has(p)) settle(p, { assignments: [] });
      }, body.waitMs),
    };
    pending.add(p);
    latest.set(key, p);
    scheduleRound();
  };

  return {
    reader,
    serve: onClaim,
    /** Something was folded: waiting claims may be served now. */
    onFold: scheduleRound,
    /** Claims waiting for work. */
    waiting: () => pending.size,
    /** No more rounds. */
    halt: () => {
      stopped = true;
    },
    /** Rounds again (after `halt`, when a standby takes over). */
    resume: () => {
      stopped = false;
    },
    /** Answers every waiting claim with nothing (after `halt`). */
    release: () => {
      for (const p of [...pending]) settle(p, { assignments: [] });
    },
    /**
     * Answers, on taking over, the claims the pool's previous active dispatcher held (overheard
     * while standing by): each with the attempts the fold says its worker holds. A worker still
     * waiting on one so gets at once what that dispatcher may have assigned it and died before
     * sending (it ignores those it runs already), and asks again — here — for new work, instead
     * of waiting for its request to time out. A claim that was answered already has nobody
     * waiting for it: its answer is dropped by the worker's client, and nothing was assigned for
     * it. A worker whose claim this dispatcher holds already is answered there instead. Resolves
     * once every one is answered.
     */
    handOver: async (overheard: readonly OverheardClaim[]): Promise<void> => {
      const s = subjects(o.root);
      // The fold first takes in what was stored before the claim went out: the assignments
      // decided for it, and its worker's reports (a task reported done is not sent again).
      const decided = new Map<string, Promise<void>>();
      const caughtUp = ({ project, pool, workerId }: Claim) => {
        const key = `${project}/${pool}`;
        let d = decided.get(key);
        if (d === undefined) {
          d = host.catchUp(s.dispatch(project, pool));
          decided.set(key, d);
        }
        return Promise.all([d, host.catchUp(s.report(project, pool, workerId))]);
      };
      await Promise.all(
        overheard.map(async ({ msg, claim, owner }) => {
          let assignments: Assignment[] = [];
          try {
            await caughtUp(claim);
            assignments = heldBy(host.state, claim, now());
          } catch (e) {
            // Unsure what it holds: nothing is sent, and what it was assigned waits for its lease.
            o.onCommandError(e);
          }
          const answer = () => {
            const traced =
              assignments.length > 0
                ? assignmentTraces(o.traces, claim.workerId, assignments)
                : undefined;
            gate.reply(msg, 'claim', owner, { assignments }, traced);
          };
          // The worker waits on a claim here already — this very request, heard both ways while
          // this dispatcher took over, or a newer one it sent on learning of the takeover: what
          // it holds goes there, and nothing else is sent (no claim is answered twice).
          const waiting = latest.get(workerKey(claim));
          try {
            if (waiting === undefined) answer();
            else if (assignments.length === 0) return;
            else if (!inRound.has(waiting)) settle(waiting, { assignments });
            else if (waiting.msg.reply !== msg.reply) answer();
          } catch (e) {
            o.onCommandError(e);
          }
        }),
      );
    },
  };
};
