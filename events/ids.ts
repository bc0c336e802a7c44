import { z } from 'zod';

/**
 * Project and pool names are subject tokens: lowercase letters, digits, `-` and `_`, starting
 * with a letter or digit (so a leading `_` stays free for Fleet's own tokens such as `_keys`).
 */
const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** Ids are subject tokens too: letters, digits, `-` and `_`, at most 64 characters. */
const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * Names every object inherits (`constructor`, `toString`, ...). Folds keep records keyed by
 * ids and names, where such a key would find Object.prototype's member instead of nothing, so
 * they are never valid ids or names.
 */
const INHERITED: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));
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

/** True when `s` may be used as a project or pool name. */
export const isName = (s: string): boolean => NAME.test(s) && !INHERITED.has(s);
/** True when `s` may be used as a task, worker or key id. */
export const isId = (s: string): boolean => ID.test(s) && !INHERITED.has(s);
