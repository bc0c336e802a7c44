import { z } from 'zod';
import { defineEvent } from './define-event.ts';

/** A NATS operator public key (an nkey: `O` and 55 base32 characters). */
export const OperatorPublicKey = z
  .string()
  .regex(/^O[A-Z2-7]{55}$/, 'a NATS operator public key is O followed by 55 base32 characters');
export type OperatorPublicKey = z.infer<typeof OperatorPublicKey>;

/**
 * The operator records that the stream's messages before `firstSeq` were removed on purpose
 * (by stream limits, to reclaim space). Without one, an audit reports a stream that does not start at
 * sequence 1 as truncated. Written on `<root>._ops.retention`, which no tenant can write; the
 * signature by the operator's nkey over {@link retentionMessage} is what makes it the
 * operator's, whoever could write the subject.
 */
export const RetentionPoint = defineEvent(
  'retention.point',
  z
    .object({
      /** The stream the point is about: a point signed for another stream covers nothing. */
      stream: z.string().min(1).max(256),
      /** The first sequence kept: every message before it was removed on purpose. */
      firstSeq: z.number().int().positive(),
      reason: z.string().min(1).max(512),
      /** When the operator signed it (epoch ms). */
      at: z.number().int().nonnegative(),
      operator: OperatorPublicKey,
      /** Ed25519 signature by `operator` of {@link retentionMessage}, base64url. */
      signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'a base64url ed25519 signature'),
    })
    .strict(),
);
export type RetentionPoint = z.infer<typeof RetentionPoint>;

/** The bytes the operator signs: bound to the deployment's root, the stream and the point. */
export const retentionMessage = (
  root: string,
  d: Pick<RetentionPoint['data'], 'stream' | 'firstSeq' | 'at' | 'reason'>,
): Uint8Array =>
  new TextEncoder().encode(
    `fleet-retention\n${root}\n${d.stream}\n${d.firstSeq}\n${d.at}\n${d.reason}`,
  );

/**
 * The stream's age and size limits, recorded where they were set or changed (by `fleet up
 * --max-age --max-bytes`): the messages a limit later removes are explained by a record that
 * was on the stream before them. No `maxAgeMs` nor `maxBytes`: the limits were lifted. Signed
 * by the operator's nkey over {@link retentionLimitsMessage} when the key is at hand (secure
 * mode); unsigned otherwise, and then an audit given an operator key does not count it.
 */
export const RetentionLimits = defineEvent(
  'retention.limits',
  z
    .object({
      stream: z.string().min(1).max(256),
      maxAgeMs: z.number().int().positive().optional(),
      maxBytes: z.number().int().positive().optional(),
      /** When the limits were set (epoch ms). */
      at: z.number().int().nonnegative(),
      operator: OperatorPublicKey.optional(),
      /** Ed25519 signature by `operator` of {@link retentionLimitsMessage}, base64url. */
      signature: z
        .string()
        .regex(/^[A-Za-z0-9_-]{86}$/, 'a base64url ed25519 signature')
        .optional(),
    })
    .strict(),
);
export type RetentionLimits = z.infer<typeof RetentionLimits>;

/** The bytes the operator signs of a limits record: the root, the stream and the limits. */
export const retentionLimitsMessage = (
  root: string,
  d: Pick<RetentionLimits['data'], 'stream' | 'maxAgeMs' | 'maxBytes' | 'at'>,
): Uint8Array =>
  new TextEncoder().encode(
    `fleet-retention-limits\n${root}\n${d.stream}\n${d.maxAgeMs ?? 0}\n${d.maxBytes ?? 0}\n${d.at}`,
  );

/** The operator's retention events: never a decision, of no project or pool. */
export const isRetentionEvent = <E extends { type: string }>(
  e: E,
): e is Extract<E, { type: 'retention.point' | 'retention.limits' }> =>
  e.type === 'retention.point' || e.type === 'retention.limits';
