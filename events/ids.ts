import { z } from 'zod';
import { ID, INHERITED, NAME } from './names.ts';

const notInherited = (what: string) => ({
  error: `${what} may not be a name every object has, such as constructor or toString`,
});

const name = (what: string) =>
  z
    .string()
    .regex(NAME, `${what} must match ${NAME.source} (lowercase letters, digits, - and _)`)
    .refine((s) => !INHERITED.has(s), notInherited(what));
const id = (what: string) =>
  z
    .string()
    .regex(ID, `${what} must match ${ID.source} (letters, digits, - and _, <= 64)`)
    .refine((s) => !INHERITED.has(s), notInherited(what));

/** A tenant. Every task and worker belongs to exactly one. */
export const ProjectId = name('project').brand<'ProjectId'>();
export type ProjectId = z.infer<typeof ProjectId>;

/** A pool of workers served by one dispatcher. */
export const PoolId = name('pool').brand<'PoolId'>();
export type PoolId = z.infer<typeof PoolId>;

/** A task, chosen by its producer; also the JetStream dedupe id of its submission. */
export const TaskId = id('taskId').brand<'TaskId'>();
export type TaskId = z.infer<typeof TaskId>;

/** A worker identity, issued at enrollment. A lost or revoked worker must enroll again. */
export const WorkerId = id('workerId').brand<'WorkerId'>();
export type WorkerId = z.infer<typeof WorkerId>;

/** An enrollment key. */
export const KeyId = id('keyId').brand<'KeyId'>();
export type KeyId = z.infer<typeof KeyId>;

/** A model name as workers advertise and tasks request it, e.g. `llama-3.1-70b`. */
export const ModelName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$/, 'model names are letters, digits and ._:/@+-')
  .brand<'ModelName'>();
export type ModelName = z.infer<typeof ModelName>;

/** A NATS user public key (an nkey: `U` and 55 base32 characters), a worker's transport identity. */
export const UserPublicKey = z
  .string()
  .regex(/^U[A-Z2-7]{55}$/, 'a NATS user public key is U followed by 55 base32 characters');
export type UserPublicKey = z.infer<typeof UserPublicKey>;

/** A curve (X25519) nkey public key, `X` and 55 base32 characters: a box is sealed to it. */
export const CurvePublicKey = z
  .string()
  .regex(/^X[A-Z2-7]{55}$/, 'a curve public key is X followed by 55 base32 characters');
export type CurvePublicKey = z.infer<typeof CurvePublicKey>;

export { isId, isName } from './names.ts';
