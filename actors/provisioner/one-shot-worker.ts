import type { NatsConnection } from '@nats-io/transport-node';
import type { Runtime, WorkerId } from '../../events/index.ts';
import type { UserCredentials } from '../../security/user-credentials.ts';
import { createWorker } from '../worker/index.ts';
import type { TaskHandler, Worker, WorkerLifecycleEvent } from '../worker/index.ts';

/** Options of `startOneShot`. */
export interface OneShotOptions {
  /** Where it enrolls (in secure mode, a connection of the shared enrollment user). */
  readonly nats: NatsConnection;
  /** Secure mode: connects with the worker's own credentials (see `WorkerOptions.connect`). */
  readonly connect?: (credentials: UserCredentials) => Promise<NatsConnection>;
  readonly root: string;
  /** The single-use key token; never logged. */
  readonly token: string;
  readonly runtime: Runtime;
  /** Models offered (the key restricts them to the template's). */
  readonly models: readonly string[];
  readonly handler: TaskHandler;
  /** Leave when no task came within this long after enrolling. */
  readonly idleMs: number;
  readonly heartbeatMs?: number;
  readonly claimWaitMs?: number;
  readonly onEvent?: (event: WorkerLifecycleEvent) => void;
}

/** A one-shot worker: enrolled, it runs at most one task, then leaves. */
export interface OneShot {
  readonly workerId: WorkerId;
  readonly worker: Worker;
  /** Whether it got a task. */
  readonly ran: () => boolean;
}

/**
 * Enrolls a worker of capacity 1 that drains as soon as its first task starts (so it claims no
 * second one), reports that task and leaves; with no task within `idleMs` it leaves anyway.
 */
export const startOneShot = async (o: OneShotOptions): Promise<OneShot> => {
  let ran = false;
  const hasRun = () => ran;
  // Set once enrolled; the listener may run before (it then has nothing to drain).
  const self: { worker?: Worker; idle?: NodeJS.Timeout } = {};
  const drain = () => {
    clearTimeout(self.idle);
    void self.worker?.drain().catch(() => undefined);
  };
  const worker = await createWorker({
    nats: o.nats,
    ...(o.connect === undefined ? {} : { connect: o.connect }),
    root: o.root,
    key: o.token,
    runtime: o.runtime,
    models: o.models,
    capacity: 1,
    handler: o.handler,
    ...(o.heartbeatMs === undefined ? {} : { heartbeatMs: o.heartbeatMs }),
    ...(o.claimWaitMs === undefined ? {} : { claimWaitMs: o.claimWaitMs }),
    onEvent: (e) => {
      if (e.type === 'task_started' && !ran) {
        ran = true;
        drain();
      }
      if (e.type === 'ended') clearTimeout(self.idle);
      o.onEvent?.(e);
    },
  });
  self.worker = worker;
  // A task may have started before `createWorker` returned: then it drains now.
  if (hasRun()) drain();
  else {
    self.idle = setTimeout(drain, o.idleMs);
    self.idle.unref();
  }
  void worker.done.finally(() => clearTimeout(self.idle)).catch(() => undefined);
  return { workerId: worker.id, worker, ran: hasRun };
};
