import { z } from 'zod';
import { SubjectError, ErrorCode } from './errors.ts';
import { inboxOwner, inboxPrefix } from './reply-subject.ts';
import { parseSubject } from './subjects.ts';
import type { ParsedSubject } from './subjects.ts';
import { err, ok } from './result.ts';
import type { Result } from './result.ts';

/**
 * Stored subjects an untrusted user writes through the gateway instead of publishing them:
 * JetStream acknowledges a stored message on whatever reply subject its publisher named, with
 * the account's rights (a purge, another project's subject, another user's inbox), so a user
 * with its own inbox stores only by request, and the gateway answers that inbox alone.
 */
const RELAYED: ReadonlySet<ParsedSubject['kind']> = new Set(['submit', 'cancel', 'report']);

/** `<root>_rpc.store.<key>.<project>.…`: what the holder of `key` asks the gateway to store. */
export const relaySubject = (root: string, stored: string, key: string): string =>
  `${root}_rpc.store.${key}.${stored.slice(root.length + 1)}`;

/** Every request the gateway serves. */
export const relayFilter = (root: string): string => `${root}_rpc.store.*.>`;

/** A relayed store request, parsed: whose it is, and the stored subject it names. */
export interface Relayed {
  /** The requester's user key: its credentials alone may publish under it. */
  readonly key: string;
  readonly stored: string;
  readonly parsed: ParsedSubject;
}

/** Parses a gateway request's subject; only submissions, cancellations and reports relay. */
export const parseRelaySubject = (root: string, subject: string): Result<Relayed, SubjectError> => {
  const prefix = `${root}_rpc.store.`;
  const bad = (why: string) =>
    err(new SubjectError(ErrorCode.BadSubject, `subject "${subject}" ${why}`));
  if (!subject.startsWith(prefix)) return bad(`is not under ${prefix}`);
  const rest = subject.slice(prefix.length);
  const dot = rest.indexOf('.');
  const key = dot < 0 ? rest : rest.slice(0, dot);
  if (inboxOwner(inboxPrefix(key)) === undefined) return bad('names no user key');
  const stored = `${root}.${rest.slice(dot + 1)}`;
  const parsed = parseSubject(stored, root);
  if (!parsed.ok) return bad(`names no stored subject: ${parsed.error.message}`);
  if (!RELAYED.has(parsed.value.kind))
    return bad(`names a ${parsed.value.kind} subject; only submit, cancel and report relay`);
  return ok({ key, stored, parsed: parsed.value });
};

/** JetStream's answer to a stored message, which the gateway passes on as it came. */
export const PubAck = z.union([
  z.object({
    stream: z.string(),
    seq: z.number().int().positive(),
    duplicate: z.boolean().optional(),
  }),
  z.object({ error: z.object({ code: z.number().int(), description: z.string() }) }),
]);
export type PubAck = z.infer<typeof PubAck>;
