import { headers } from '@nats-io/transport-node';
import type { Msg, MsgHdrs } from '@nats-io/transport-node';
import { replyRefusal } from '../../events/index.ts';
import { TRACEPARENT } from '../../telemetry/trace-context.ts';
import type { ClaimReply, ErrorCode, HeartbeatReply, TaskStatusReply } from '../../events/index.ts';

/** The kinds of request a dispatcher serves. */
export type RequestKind = 'claim' | 'hb' | 'status';

/** Why a request was not served: the codec's codes, and `no_reply` for a request nobody awaits. */
export type RequestRefusal = ErrorCode | 'no_reply';

/** A request the dispatcher dropped unanswered, and why. */
export interface RequestRefused {
  readonly kind: RequestKind;
  readonly reason: RequestRefusal;
  readonly detail: string;
  /** The subject the request arrived on: it names the requester. */
  readonly subject: string;
}

/** The answer to a request the dispatcher could not read: why, and the codec's code for it. */
interface RequestError {
  readonly error: string;
  readonly code: ErrorCode;
}
type ReplyBody = ClaimReply | HeartbeatReply | TaskStatusReply | RequestError;

/** Where every answer of a dispatcher goes out, and every refused request is counted. */
export interface RequestGate {
  /**
   * Whether `msg` may be answered: it has a reply subject, and that subject is an inbox — the
   * requester's own when `owner` is known. A refused one is counted and told, never answered.
   */
  mayAnswer(msg: Msg, kind: RequestKind, owner: string | undefined): boolean;
  /** Answers `msg` with `body`, if it may be answered, with `traceparents` as headers. */
  reply(
    msg: Msg,
    kind: RequestKind,
    owner: string | undefined,
    body: ReplyBody,
    traceparents?: readonly string[],
  ): void;
  /** Counts a request the dispatcher will not serve, and tells its sender why if it listens. */
  refuse(msg: Msg, kind: RequestKind, reason: RequestRefusal, error: string, owner?: string): void;
  /** Requests refused so far, by `<kind>:<reason>`. */
  refusals(): Readonly<Record<string, number>>;
}

const encoder = new TextEncoder();

/** One `traceparent` header value per item of the message, in its order. */
const traceHeaders = (traceparents: readonly string[]): MsgHdrs => {
  const h = headers();
  for (const t of traceparents) h.append(TRACEPARENT, t);
  return h;
};

/** A gate that tells `onRefused` of each request left unanswered for its reply subject. */
export const requestGate = (onRefused?: (refusal: RequestRefused) => void): RequestGate => {
  const refusals: Record<string, number> = {};
  const count = (kind: RequestKind, reason: RequestRefusal) => {
    const k = `${kind}:${reason}`;
    refusals[k] = (refusals[k] ?? 0) + 1;
  };
  const mayAnswer = (msg: Msg, kind: RequestKind, owner: string | undefined): boolean => {
    if (msg.reply === undefined || msg.reply === '') return false;
    const refused = replyRefusal(msg.reply, owner);
    if (refused === undefined) return true;
    count(kind, refused.code);
    onRefused?.({ kind, reason: refused.code, detail: refused.detail, subject: msg.subject });
    return false;
  };
  const reply = (
    msg: Msg,
    kind: RequestKind,
    owner: string | undefined,
    body: ReplyBody,
    traceparents?: readonly string[],
  ) => {
    if (!mayAnswer(msg, kind, owner)) return;
    const data = encoder.encode(JSON.stringify(body));
    msg.respond(data, traceparents === undefined ? {} : { headers: traceHeaders(traceparents) });
  };
  return {
    mayAnswer,
    reply,
    refuse: (msg, kind, reason, error, owner) => {
      count(kind, reason);
      if (reason !== 'no_reply') reply(msg, kind, owner, { error, code: reason });
    },
    refusals: () => ({ ...refusals }),
  };
};
