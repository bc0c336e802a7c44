import { ErrorCode } from './errors.ts';

/** The root of every reply inbox: services answer below it, never anywhere else. */
export const INBOX_ROOT = '_INBOX';

/**
 * Where a user's replies arrive: a per-user prefix, so nobody but the operator's services
 * subscribes to `_INBOX.>`. Clients connect with `inboxPrefix` set to it.
 */
export const inboxPrefix = (userPublicKey: string): string => `${INBOX_ROOT}.${userPublicKey}`;

/** A reply subject: `_INBOX` and tokens of letters, digits, `_` and `-` (no wildcard). */
const INBOX = /^_INBOX(\.[A-Za-z0-9_-]+)+$/;
/** Longer reply subjects are refused: no client library makes them. */
const MAX_REPLY_LENGTH = 256;

/** Why a service refused to answer a request on its reply subject. */
export interface ReplyRefusal {
  readonly code: typeof ErrorCode.BadReply;
  readonly detail: string;
}

/**
 * The one rule of every Fleet service: a request's reply subject is chosen by the requester,
 * and the service answers it with its own rights, so it answers only an inbox — and, when the
 * requester's identity is known (`owner`, its user public key), only that requester's own
 * inbox `_INBOX.<owner>.…`. Anything else (a JetStream API subject, a stored Fleet subject,
 * another user's inbox, a wildcard) is refused: the caller drops the request and records why.
 * Returns undefined when the reply may be answered.
 */
export const replyRefusal = (reply: string, owner?: string): ReplyRefusal | undefined => {
  const refuse = (detail: string): ReplyRefusal => ({ code: ErrorCode.BadReply, detail });
  if (reply.length > MAX_REPLY_LENGTH)
    return refuse(`the reply subject is longer than ${MAX_REPLY_LENGTH} characters`);
  if (!INBOX.test(reply)) return refuse(`the reply subject is not under ${INBOX_ROOT}.`);
  if (owner !== undefined && !reply.startsWith(`${inboxPrefix(owner)}.`))
    return refuse(`the reply subject is not the requester's own inbox ${inboxPrefix(owner)}.>`);
  return undefined;
};

/** The user public key of a connection's own inbox prefix `_INBOX.<key>`, if it has one. */
export const inboxOwner = (prefix: string | undefined): string | undefined => {
  const m = /^_INBOX\.(U[A-Z2-7]{55})$/.exec(prefix ?? '');
  return m?.[1];
};
