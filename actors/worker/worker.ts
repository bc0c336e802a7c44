import type { NatsConnection } from '@nats-io/transport-node';
import type { PoolId, ProjectId, TaskId, WorkerId } from '../../events/index.ts';
import type { WorkerIdentity } from './enroll.ts';
import type { WorkerPhase } from './worker-phase.ts';

/** An attempt the worker holds. */
export interface InFlightAttempt {
  readonly taskId: TaskId;
  readonly project: ProjectId;
  readonly pool: PoolId;
  readonly attempt: number;
  readonly leaseExpiresAt: number;
  /** When the handler started (the worker's clock). */
  readonly startedAt: number;
}

/** A running worker. */
export interface Worker {
  readonly id: WorkerId;
  /** The connection the worker works on: its own in secure mode (closed when it ends). */
  readonly nats: NatsConnection;
  /** The identity the registrar issued (project, pool and capabilities come from the key). */
  readonly identity: WorkerIdentity;
  /**
   * Settles when the worker has ended: resolves after a drain or a kill; rejects with a
   * `RefusedError` (reason `worker_lost`, `worker_revoked`, `unknown_worker`, ...) when the fleet
   * refused the worker — it must enroll again — or an `UnavailableError` when the connection
   * closed or `worker.left` could not be stored. Never an unhandled rejection.
   */
  readonly done: Promise<void>;
  /** The attempts held now. */
  inFlight(): InFlightAttempt[];
  phase(): WorkerPhase;
  /**
   * Leaves cleanly: appends `worker.draining`, stops claiming, lets in-flight attempts finish
   * and report, appends `worker.left`, stops heartbeats. Returns `done`.
   */
  drain(): Promise<void>;
  /** Same as `drain`. */
  stop(): Promise<void>;
  /** Stops everything at once without reporting anything, as a crash would. For tests. */
  kill(): Promise<void>;
}
