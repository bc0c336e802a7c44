import type { NatsConnection } from '@nats-io/transport-node';
import { RefusedError, UnavailableError } from '../../events/index.ts';
import type { WorkerId } from '../../events/index.ts';
import { signRenewal } from '../../security/renewal-proof.ts';
import type { UserCredentials } from '../../security/user-credentials.ts';
import { MAX_TIMER_MS, sleep } from './abortable.ts';
import { backoffMs } from './backoff.ts';
import { renewCredentials } from './enroll.ts';
import type { WorkerEvent } from './worker-event.ts';

/** What the renewal of a secure worker's credentials works with. */
export interface RenewalOptions {
  readonly credentials: UserCredentials;
  readonly nc: NatsConnection;
  readonly root: string;
  readonly workerId: WorkerId;
  readonly requestTimeoutMs: number;
  readonly maxBackoffMs: number;
  /** Aborts when the worker stops: the loop ends. */
  readonly signal: AbortSignal;
  /** Tells the worker's machine what happened. */
  readonly dispatch: (event: WorkerEvent) => void;
  /** Has the worker reconnect (once no claim is under way); resolves when that is over. */
  readonly reconnect: () => Promise<void>;
}

/**
 * Renews the credentials at two thirds of their lifetime (on the wall clock, which the server
 * checks them against), then reconnects so the new JWT is in force before the old one lapses.
 * A refusal (revoked, lost) ends the loop, and the machine the worker; other failures are retried
 * with backoff until expiry. A failed reconnect leaves the new JWT for the next one, at the latest
 * when the server cuts the old one at its expiry.
 */
export const renewalLoop = async (options: RenewalOptions): Promise<void> => {
  const { credentials: c, nc, root, workerId, signal, dispatch } = options;
  // Read through a call: awaits below may abort it (narrowing would not know).
  const over = () => signal.aborted;
  let receivedAt = Date.now();
  let failures = 0;
  while (!over()) {
    const expiresAt = c.expiresAt;
    if (expiresAt === undefined) return;
    const due =
      failures === 0
        ? receivedAt + ((expiresAt - receivedAt) * 2) / 3
        : Date.now() + backoffMs(failures, { capMs: options.maxBackoffMs });
    await sleep(Math.min(MAX_TIMER_MS, Math.max(0, due - Date.now())), signal);
    if (over()) return;
    let renewedUntil: number;
    try {
      const at = Date.now();
      const signature = signRenewal((d) => c.sign(d), root, workerId, at);
      const renewed = await renewCredentials(
        nc,
        root,
        { renew: { workerId, jwt: c.jwt(), at, signature } },
        options.requestTimeoutMs,
      );
      if (renewed.credentials === undefined)
        throw new UnavailableError('the renewal brought no credentials');
      c.update(renewed.credentials.jwt);
      receivedAt = Date.now();
      failures = 0;
      renewedUntil = renewed.credentials.expiresAt;
    } catch (error) {
      dispatch({ type: 'renewal_failed', error });
      if (error instanceof RefusedError) return;
      failures += 1;
      continue;
    }
    dispatch({ type: 'renewed', expiresAt: renewedUntil });
    await options.reconnect();
  }
};
