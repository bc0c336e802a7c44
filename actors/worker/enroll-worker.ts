import type { NatsConnection } from '@nats-io/transport-node';
import { RefusedError, UnavailableError } from '../../events/index.ts';
import { UserCredentials } from '../../security/user-credentials.ts';
import { enrollment } from './enroll.ts';
import type { WorkerIdentity } from './enroll.ts';
import type { WorkerOptions } from './worker-options.ts';

/** A worker admitted by the registrar, and the connection it works on. */
export interface EnrolledWorker {
  readonly identity: WorkerIdentity;
  readonly nc: NatsConnection;
  /** Secure mode: its own credentials, on a connection it owns (and closes when it ends). */
  readonly credentials?: UserCredentials;
}

/**
 * Enrolls with `options.key` and, in secure mode (`options.connect`), connects with the
 * credentials the registrar issued for a key pair drawn here. Throws what `enrollment` throws,
 * `RefusedError('no_credentials')` when a secure worker got none, and `UnavailableError` when it
 * cannot connect with them.
 */
export const enrollWorker = async (
  options: WorkerOptions,
  root: string,
  requestTimeoutMs: number,
): Promise<EnrolledWorker> => {
  // Secure mode: the key pair is drawn here and its seed never leaves this process.
  const pair = options.connect === undefined ? undefined : UserCredentials.newPair();
  const { identity, credentials: issued } = await enrollment(
    options.nats,
    root,
    {
      key: options.key,
      ...(options.models === undefined ? {} : { models: [...options.models] }),
      ...(options.labels === undefined ? {} : { labels: options.labels }),
      ...(options.runtime === undefined ? {} : { runtime: options.runtime }),
      ...(options.capacity === undefined ? {} : { capacity: options.capacity }),
      ...(pair === undefined ? {} : { publicKey: pair.getPublicKey() }),
    },
    requestTimeoutMs,
  );
  if (options.connect === undefined || pair === undefined) return { identity, nc: options.nats };
  if (issued === undefined)
    throw new RefusedError(
      'no_credentials',
      'the registrar issued no NATS credentials (it does not run in secure mode)',
    );
  const credentials = UserCredentials.of(pair, issued.jwt);
  try {
    return { identity, nc: await options.connect(credentials), credentials };
  } catch (cause) {
    throw new UnavailableError("cannot connect with the worker's own credentials", { cause });
  }
};
