import type { WorkerLifecycleEvent } from '../actors/worker/index.ts';
import type { HealthSource } from './health-server.ts';

/** Where a worker is in its life, as its health endpoint tells it. */
export type WorkerHealthStatus = 'enrolling' | 'active' | 'draining' | 'left';

/**
 * A worker's health for `GET /healthz`: ready once the dispatcher knows it and it claims work,
 * not ready before (enrolling) nor once it drains or has left — so a rolling update waits for a
 * new worker to be active, and a draining one is not counted as serving.
 */
export class WorkerHealth implements HealthSource {
  #status: WorkerHealthStatus = 'enrolling';
  #workerId: string | undefined;

  /** Follows the worker's lifecycle events. */
  observe(e: WorkerLifecycleEvent): void {
    switch (e.type) {
      case 'enrolled':
        this.#workerId = e.identity.workerId;
        return;
      case 'active':
        if (this.#status === 'enrolling') this.#status = 'active';
        return;
      case 'draining':
        this.#status = 'draining';
        return;
      case 'left':
      case 'killed':
      case 'ended':
      case 'refused':
        this.#status = 'left';
        return;
      case 'task_started':
      case 'task_aborted':
      case 'task_reported':
      case 'task_dropped':
      case 'report_failed':
      case 'claim_error':
      case 'heartbeat_error':
      case 'append_failed':
      case 'credentials_renewed':
      case 'renewal_error':
        return;
      default: {
        const never: never = e;
        return never;
      }
    }
  }

  get isReady(): boolean {
    return this.#status === 'active';
  }

  toJSON(): { status: WorkerHealthStatus; workerId?: string } {
    return {
      status: this.#status,
      ...(this.#workerId === undefined ? {} : { workerId: this.#workerId }),
    };
  }
}
