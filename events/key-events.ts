import { z } from 'zod';
import { defineEvent } from './define-event.ts';
import { KeyId, ModelName, PoolId, ProjectId, WorkerId } from './ids.ts';
import { LabelKey, Labels } from './labels.ts';

/** An operator creates an enrollment key. Only the hash of its secret is ever written. */
export const KeyIssued = defineEvent(
  'key.issued',
  z
    .object({
      keyId: KeyId,
      project: ProjectId,
      pool: PoolId,
      /** Models a worker enrolled with this key may serve; empty allows any. */
      models: z.array(ModelName).max(64).default([]),
      /** Labels fixed on every worker enrolled with this key. */
      labels: Labels.default({}),
      exclusive: z.array(LabelKey).max(16).default([]),
      maxUses: z.number().int().positive(),
      expiresAt: z.number().int().nonnegative(),
      /** Hex SHA-256 of the secret (a random 256-bit string, so a plain hash suffices). */
      secretHash: z.string().regex(/^[0-9a-f]{64}$/),
      name: z.string().max(128).optional(),
    })
    .strict(),
);
export type KeyIssued = z.infer<typeof KeyIssued>;

/** One use of a key, appended with concurrency control so `maxUses` holds. */
export const KeyUsed = defineEvent(
  'key.used',
  z
    .object({
      keyId: KeyId,
      project: ProjectId,
      workerId: WorkerId,
      /** 1-based count of uses including this one. */
      use: z.number().int().positive(),
    })
    .strict(),
);
export type KeyUsed = z.infer<typeof KeyUsed>;

/** An operator withdraws a key; workers already enrolled stay. */
export const KeyRevoked = defineEvent(
  'key.revoked',
  z.object({ keyId: KeyId, project: ProjectId, reason: z.string().max(512).optional() }).strict(),
);
export type KeyRevoked = z.infer<typeof KeyRevoked>;
