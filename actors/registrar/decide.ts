import { timingSafeEqual } from 'node:crypto';
import { err, ok } from '../../events/index.ts';
import type { EnrollRefusal, EventOf, Result } from '../../events/index.ts';
import type { EnrollCommand } from './enroll-command.ts';
import type { KeyState, RegistrarState } from './state.ts';

/** Why an enrollment was refused, as the requester is told. Never carries the secret. */
export interface EnrollRefused {
  readonly reason: EnrollRefusal;
  readonly detail: string;
}

/** An admitted enrollment: the key's next use, then the worker's membership. */
export type Enrollment = readonly [EventOf<'key.used'>, EventOf<'worker.enrolled'>];

/** What `decide` makes of an enrollment: the events to append, or a refusal to answer. */
export type EnrollDecision = Result<Enrollment, EnrollRefused>;

const refuse = (reason: EnrollRefusal, detail: string) => err({ reason, detail });

/** Compares two hex digests in time independent of where they differ. */
const sameHash = (a: string, b: string): boolean => {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
};

const modelsRefused = (key: KeyState, wanted: readonly string[]): string[] =>
  key.models.length === 0
    ? []
    : wanted.filter((m) => !(key.models as readonly string[]).includes(m));

/**
 * Decides an enrollment. Checks, in order: the key exists, the secret matches, the key is not
 * revoked, not expired (`now >= expiresAt`), not exhausted (`uses >= maxUses`), and allows the
 * requested models (a subset of the key's when it lists any). Project, pool and exclusive
 * labels come from the key; labels are the request's overlaid by the key's (the key wins).
 */
export const decide = (state: RegistrarState, command: EnrollCommand): EnrollDecision => {
  const { keyId, secretHash, request, workerId } = command.data;
  const { now } = command.meta;
  const key = state.keys[keyId];
  if (key === undefined) return refuse('unknown_key', `no key ${keyId}`);
  if (!sameHash(key.secretHash, secretHash))
    return refuse('bad_secret', `the secret does not match key ${keyId}`);
  if (key.status === 'revoked') return refuse('revoked', `key ${keyId} is revoked`);
  if (now >= key.expiresAt)
    return refuse('expired', `key ${keyId} expired at ${new Date(key.expiresAt).toISOString()}`);
  if (key.uses >= key.maxUses)
    return refuse('exhausted', `key ${keyId} was used ${key.uses} of ${key.maxUses} times`);
  const outside = modelsRefused(key, request.models);
  if (outside.length > 0)
    return refuse(
      'model_not_allowed',
      `key ${keyId} allows models ${key.models.join(', ')}; not ${outside.join(', ')}`,
    );
  const { project, pool } = key;
  const meta = { at: now };
  return ok([
    {
      type: 'key.used',
      data: { keyId, project, workerId, use: key.uses + 1 },
      meta,
    },
    {
      type: 'worker.enrolled',
      data: {
        workerId,
        project,
        pool,
        keyId,
        models: [...request.models],
        labels: { ...request.labels, ...key.labels },
        exclusive: [...key.exclusive],
        runtime: request.runtime,
        capacity: request.capacity,
        ...(request.publicKey === undefined ? {} : { publicKey: request.publicKey }),
      },
      meta,
    },
  ] as const);
};
