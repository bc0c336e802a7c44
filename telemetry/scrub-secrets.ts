/**
 * Shapes of the secrets Fleet handles: enrollment key tokens (`fk_<keyId>_<secret>`), NATS
 * seeds (nkeys: `S` then the key's kind), JWTs, and the armoured blocks of a `.creds` file.
 */
const SECRET_SHAPES: readonly RegExp[] = [
  /-----BEGIN [A-Z ]+-----[\s\S]*?------END [A-Z ]+------/g,
  /\bfk_[A-Za-z0-9_-]+/g,
  /\bS[AOUNC][A-Z2-7]{50,}\b/g,
  /\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g,
];

/** What a secret is replaced with. */
export const REDACTED = '[redacted]';

/** `text` with every substring shaped like a secret replaced by {@link REDACTED}. */
export const scrubSecrets = (text: string): string =>
  SECRET_SHAPES.reduce((out, shape) => out.replace(shape, REDACTED), text);

/** Field names whose values are secrets wherever they appear in a log line. */
export const SECRET_FIELDS: readonly string[] = [
  'key',
  'token',
  'secret',
  'seed',
  'password',
  'authorization',
  'creds',
  'jwt',
];
