import type { NatsConnection } from '@nats-io/transport-node';
import type { Labels, Runtime } from '../../events/index.ts';
import type { UserCredentials } from '../../security/user-credentials.ts';
import type { TaskHandler } from './task-context.ts';
import type { WorkerLifecycleEvent } from './worker-lifecycle-event.ts';

/** Options of `createWorker`. */
export interface WorkerOptions {
  /**
   * The connection the worker enrolls on; the caller owns it and closes it after `done`.
   * Without `connect` the worker uses it for everything.
   */
  readonly nats: NatsConnection;
  /**
   * Secure mode: the worker draws its own NATS user key, sends the public key with its
   * enrollment, and connects with the credentials the registrar issues for it (scoped to its
   * own subjects) by calling `connect` — typically
   * `(c) => connect({ servers, ...c.connectOptions() })` (keep reconnects enabled). It then
   * works on that connection, which it owns and closes when it ends, renews the credentials at
   * two thirds of their lifetime and reconnects with them. Enrollment fails with
   * `RefusedError('no_credentials')` when the registrar issues none.
   */
  readonly connect?: (credentials: UserCredentials) => Promise<NatsConnection>;
  /** The enrollment key `fk_<keyId>_<secret>`. Sent to the registrar only; never logged. */
  readonly key: string;
  /** Models offered (the key may restrict them). */
  readonly models?: readonly string[];
  readonly labels?: Labels;
  /** Default `{ kind: 'process' }`. */
  readonly runtime?: Runtime;
  /** Attempts run at once (default 1; the registrar may lower it). */
  readonly capacity?: number;
  /** Runs one attempt. */
  readonly handler: TaskHandler;
  /** Subject root (default `fleet`). */
  readonly root?: string;
  /** Heartbeat period (default 1000 ms); match the dispatcher's `heartbeatMs`. */
  readonly heartbeatMs?: number;
  /** How long one claim may wait at the dispatcher for work (default 10 s, at most 60 s). */
  readonly claimWaitMs?: number;
  /** Timeout of enrollment, heartbeat and report acknowledgements (default 5 s). */
  readonly requestTimeoutMs?: number;
  /** Longest pause between retries after errors (default 5 s). */
  readonly maxBackoffMs?: number;
  /** After a hard stop (lost, revoked), how long `done` waits for aborted handlers (default 5 s). */
  readonly stopGraceMs?: number;
  /** Drain on the first SIGTERM or SIGINT, stop hard on the second (default false). */
  readonly handleSignals?: boolean;
  /** Told of everything the worker does and every error it survives. */
  readonly onEvent?: (event: WorkerLifecycleEvent) => void;
  /** The clock (default `Date.now`): event times and lease deadlines. */
  readonly now?: () => number;
}
