import type { Msg } from '@nats-io/transport-node';
import type { z } from 'zod';
import { ErrorCode } from '../../events/index.ts';
import type { RequestGate, RequestKind } from './request-gate.ts';

/** How one kind of request is read; the checks themselves are `requestHandler`'s, for all. */
export interface RequestReader<S, B> {
  readonly kind: RequestKind;
  /** The subject's parts, or why it is not a subject of this kind. */
  subject(subject: string): { ok: true; value: S } | { ok: false; error: string };
  /** The requester's user key, when known: only its own inbox is answered. */
  owner(subject: S): string | undefined;
  /**
   * A request without a reply subject: refused before anything is read (`first`), refused once
   * its subject is read (`after-subject`), or served anyway (`serve`: it has an effect of its
   * own, and its service checks the reply subject when it answers).
   */
  readonly replyless: 'first' | 'after-subject' | 'serve';
  /** The body an empty message stands for. */
  readonly emptyBody: unknown;
  readonly schema: z.ZodType<B>;
  /** What the requester is told of a body that is not JSON, not valid, or of no reply subject. */
  readonly errors: { json: string; schema(issue: string): string; noReply: string };
}

/** A request that passed every check, for its service. */
export interface ValidRequest<S, B> {
  readonly msg: Msg;
  readonly subject: S;
  readonly body: B;
  readonly owner: string | undefined;
}

/** The first problem zod found, briefly (a huge body must not make a huge answer). */
const firstIssue = (error: z.ZodError): string => {
  const issue = error.issues[0];
  if (issue === undefined) return 'invalid';
  const path = issue.path.map(String).join('.');
  return `${path === '' ? '' : `${path}: `}${issue.message}${error.issues.length > 1 ? ' (and more)' : ''}`;
};

/** A request body as JSON, or `undefined` when it is not JSON. */
const jsonOf = (msg: Msg, empty: unknown): { body: unknown } | undefined => {
  if (msg.data.length === 0) return { body: empty };
  try {
    return { body: msg.json<unknown>() };
  } catch {
    return undefined;
  }
};

const hasReply = (msg: Msg): boolean => msg.reply !== undefined && msg.reply !== '';

/**
 * The dispatcher's one way in: reads a request's subject, reply subject and body with
 * `reader`, refuses (counted, and answered when that is safe) what does not pass, and hands the
 * rest to `serve`.
 */
export const requestHandler =
  (gate: RequestGate) =>
  <S, B>(reader: RequestReader<S, B>, serve: (request: ValidRequest<S, B>) => void) =>
  (msg: Msg): void => {
    const { kind, errors } = reader;
    // Nobody would hear the answer: holding the request would only keep memory.
    if (reader.replyless === 'first' && !hasReply(msg)) {
      gate.refuse(msg, kind, 'no_reply', errors.noReply);
      return;
    }
    const subject = reader.subject(msg.subject);
    if (!subject.ok) {
      // The owner is unknown yet: only an inbox of no one in particular is answered.
      gate.refuse(msg, kind, ErrorCode.BadSubject, subject.error);
      return;
    }
    if (reader.replyless === 'after-subject' && !hasReply(msg)) {
      gate.refuse(msg, kind, 'no_reply', errors.noReply);
      return;
    }
    const owner = reader.owner(subject.value);
    // Checked before the body is read: a request nobody may be answered on is dropped at once.
    if (reader.replyless !== 'serve' && !gate.mayAnswer(msg, kind, owner)) return;
    const read = jsonOf(msg, reader.emptyBody);
    if (read === undefined) {
      gate.refuse(msg, kind, ErrorCode.MalformedJson, errors.json, owner);
      return;
    }
    const body = reader.schema.safeParse(read.body);
    if (!body.success) {
      gate.refuse(msg, kind, ErrorCode.SchemaInvalid, errors.schema(firstIssue(body.error)), owner);
      return;
    }
    serve({ msg, subject: subject.value, body: body.data, owner });
  };
