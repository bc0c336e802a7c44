/**
 * The rules of names and ids, and the default subject root and stream name, as plain values:
 * no schema library, so that code which must start fast (the `fleet` command line before it
 * runs a command) can use them without loading the contract's schemas. `ids.ts` builds its
 * schemas on these rules.
 */

/**
 * Project and pool names are subject tokens: lowercase letters, digits, `-` and `_`, starting
 * with a letter or digit (so a leading `_` stays free for Fleet's own tokens such as `_keys`).
 */
export const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** Ids are subject tokens too: letters, digits, `-` and `_`, at most 64 characters. */
export const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * Names every object inherits (`constructor`, `toString`, ...). Folds keep records keyed by
 * ids and names, where such a key would find Object.prototype's member instead of nothing, so
 * they are never valid ids or names.
 */
export const INHERITED: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

/** True when `s` may be used as a project or pool name. */
export const isName = (s: string): boolean => NAME.test(s) && !INHERITED.has(s);
/** True when `s` may be used as a task, worker or key id. */
export const isId = (s: string): boolean => ID.test(s) && !INHERITED.has(s);

/** The root of every stored subject unless configured otherwise. */
export const DEFAULT_ROOT = 'fleet';

/** Name of the event stream unless configured otherwise. */
export const DEFAULT_STREAM = 'FLEET';
