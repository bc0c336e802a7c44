import { randomInt } from 'node:crypto';

const VALID_PREFIX = /^[a-z][a-z0-9]*$/;
const RANDOM_CHARS = 8;
const RANDOM_RANGE = 36 ** RANDOM_CHARS;

let counter = 0;

/**
 * Returns a short token unique across parallel test files (and runs), usable both as a
 * JetStream stream name and as a NATS subject token: lowercase letters and digits only,
 * starting with a letter. Built as `prefix + base36 counter + 8 random base36 chars`,
 * e.g. `t0k3x9q2ab`.
 *
 * @param prefix lowercase letters/digits starting with a letter; defaults to `t`.
 * @throws if `prefix` is not of that form.
 */
export function uniqueName(prefix = 't'): string {
  if (!VALID_PREFIX.test(prefix)) {
    throw new Error(
      `uniqueName prefix must match ${String(VALID_PREFIX)} (got ${JSON.stringify(prefix)})`,
    );
  }
  const seq = (counter++).toString(36);
  const random = randomInt(RANDOM_RANGE).toString(36).padStart(RANDOM_CHARS, '0');
  return `${prefix}${seq}${random}`;
}
