import { PermissionViolationError } from '@nats-io/transport-node';
import { RefusedError } from '../events/index.ts';

/** How deep a chain of causes is searched: a cycle must not loop forever. */
const MAX_CAUSES = 8;

/** The NATS server's permission violation behind `error` (itself or one of its causes). */
const violationIn = (error: unknown): PermissionViolationError | undefined => {
  let e: unknown = error;
  for (let i = 0; i < MAX_CAUSES && e instanceof Error; i++, e = e.cause)
    if (e instanceof PermissionViolationError) return e;
  return undefined;
};

/**
 * When `error` is the NATS server refusing a publish or request because the connection's
 * credentials do not allow the subject (a producer writing to another project, say), a
 * `RefusedError('permission_denied')` that says so in the server's words, with `error` as its
 * cause; otherwise undefined. `what` says what was attempted ("store a message on …").
 */
export const permissionRefusal = (error: unknown, what: string): RefusedError | undefined => {
  const violation = violationIn(error);
  if (violation === undefined) return undefined;
  return new RefusedError(
    'permission_denied',
    `the NATS server refused to ${what}: ${violation.message} (the credentials do not allow it)`,
    { cause: error },
  );
};
