import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { ClaimRequest, parseRpcSubject, replyRefusal } from '../../events/index.ts';
import type { Claim } from '../../events/index.ts';

/** A claim a standby overheard: its worker may still be waiting for the answer. */
export interface OverheardClaim {
  readonly msg: Msg;
  readonly claim: Claim;
  /** The worker's user key, when known: only its own inbox is answered. */
  readonly owner: string | undefined;
  /** When its worker stops waiting for the answer (this dispatcher's clock). */
  readonly deadline: number;
}

/** What overhearing claims needs of its dispatcher. */
export interface OverheardClaimsOptions {
  readonly nc: NatsConnection;
  /** Every claim of the pool (`poolClaims`). */
  readonly subject: string;
  readonly root: string;
  readonly now: () => number;
  /** Most claims kept (one per worker): memory stays bounded whoever floods the subject. */
  readonly maxWaiting: number;
  /** The user key of a worker the fold knows in `project`; `false` for one it does not know. */
  readonly ownerOf: (workerId: string, project: string) => string | undefined | false;
}

const decoder = new TextDecoder();

/**
 * How long past its wait a worker still awaits a claim's answer: the worker SDK's request
 * outlasts the wait by 2 s. A dispatcher that died just before answering an empty claim at its
 * wait's end leaves the worker waiting that long.
 */
const ANSWER_MARGIN_MS = 2_000;

/**
 * The claims a standby hears while another dispatcher serves the pool: the latest of each
 * worker, until its worker stops waiting. A claim is a request to whoever serves: when the active
 * dispatcher dies (kill -9) holding one, nothing tells its worker, which would wait for its
 * request's timeout. The standby that takes over answers what it overheard instead (see
 * `claimService().handOver`). Nothing is refused or counted here: the active one does that.
 */
export const overheardClaims = (o: OverheardClaimsOptions) => {
  /** By worker, oldest first: a worker asks one claim at a time, so its latest is the live one. */
  const latest = new Map<string, OverheardClaim>();
  let sub: Subscription | undefined;

  const note = (msg: Msg): void => {
    if (msg.reply === undefined || msg.reply === '') return;
    const parsed = parseRpcSubject(msg.subject, o.root);
    if (!parsed.ok || parsed.value.kind !== 'claim') return;
    const { workerId, project, pool } = parsed.value;
    const owner = o.ownerOf(workerId, project);
    if (owner === false || replyRefusal(msg.reply, owner) !== undefined) return;
    let json: unknown;
    try {
      json = msg.data.length === 0 ? {} : JSON.parse(decoder.decode(msg.data));
    } catch {
      return;
    }
    const body = ClaimRequest.safeParse(json);
    if (!body.success) return;
    const now = o.now();
    latest.delete(workerId);
    if (latest.size >= o.maxWaiting) {
      for (const [id, c] of latest) if (c.deadline <= now) latest.delete(id);
      const oldest = latest.keys().next();
      if (latest.size >= o.maxWaiting && oldest.done !== true) latest.delete(oldest.value);
    }
    const claim: Claim = { workerId, project, pool, max: body.data.max };
    const deadline = now + body.data.waitMs + ANSWER_MARGIN_MS;
    latest.set(workerId, { msg, claim, owner, deadline });
  };

  return {
    /** Starts overhearing (a standby); a no-op while it does. */
    listen: (): void => {
      sub ??= o.nc.subscribe(o.subject, {
        callback: (err, msg) => {
          // A broken message is no claim to hand over; the active dispatcher refuses it.
          if (err === null) note(msg);
        },
      });
    },
    /** Stops overhearing, and returns the claims their workers may still await, oldest first. */
    take: (): OverheardClaim[] => {
      sub?.unsubscribe();
      sub = undefined;
      const now = o.now();
      const live = [...latest.values()].filter((c) => c.deadline > now);
      latest.clear();
      return live;
    },
    /** Claims kept now. */
    size: () => latest.size,
  };
};
