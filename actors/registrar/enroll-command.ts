import { z } from 'zod';
import { EnrollRequest, KeyId, WorkerId } from '../../events/index.ts';

/**
 * Enroll a worker with a key. Everything comes in as arguments: the shell has already parsed
 * the token, hashed its secret (the secret itself never reaches the core) and drawn the new
 * worker's id; `now` is the registrar's clock.
 */
export const EnrollCommand = z
  .object({
    type: z.literal('enroll'),
    data: z
      .object({
        keyId: KeyId,
        /** Hex SHA-256 of the presented secret. */
        secretHash: z.string().regex(/^[0-9a-f]{64}$/),
        /** What the worker asked for, without its key. */
        request: EnrollRequest.omit({ key: true }),
        /** The id the worker gets if admitted. */
        workerId: WorkerId,
      })
      .strict(),
    meta: z.object({ now: z.number().int().nonnegative() }).strict(),
  })
  .strict();
export type EnrollCommand = z.infer<typeof EnrollCommand>;
