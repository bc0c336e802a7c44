import type { TaskHandler } from '../actors/worker/index.ts';
import { InvalidInputError } from '../client/invalid-input-error.ts';
import type { Runtime } from '../events/index.ts';

/** What `fleet worker` says about how its attempts run. */
export interface WorkerHandlerOptions {
  readonly runtime: Runtime;
  readonly exec: string | undefined;
  readonly image: string | undefined;
  readonly cpus: number | undefined;
  readonly timeoutMs: number | undefined;
}

/** A handler, and what the worker must do before it claims (reap a dead worker's containers). */
export interface WorkerHandler {
  readonly handler: TaskHandler;
  readonly prepare: () => Promise<string | undefined>;
}

/**
 * The handler of `fleet worker`: `--exec` as a local process (runtime `process`), or a fresh
 * container per attempt from `--image` (runtime `docker`, the engine at `DOCKER_HOST`), with
 * `--exec` as its command through `sh -c` when given. Kubernetes and Lambda are launched from
 * the SDK (`fleet/runtimes`), not from this command.
 */
export const workerHandler = async (o: WorkerHandlerOptions): Promise<WorkerHandler> => {
  const timeout = o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs };
  switch (o.runtime.kind) {
    case 'process': {
      if (o.exec === undefined)
        throw new InvalidInputError('--exec', 'the process runtime needs --exec <command>');
      const { execHandler } = await import('../actors/worker/index.ts');
      return {
        handler: execHandler({ command: o.exec, ...timeout }),
        prepare: () => Promise.resolve(undefined),
      };
    }
    case 'docker': {
      if (o.image === undefined)
        throw new InvalidInputError('--image', 'the docker runtime needs --image <image>');
      // The docker launcher alone: the Kubernetes and AWS clients load only where they are used.
      const { dockerLauncher } = await import('../runtimes/docker/index.ts');
      const { launcherHandler } = await import('../runtimes/launcher-handler.ts');
      const launcher = dockerLauncher({
        image: o.image,
        ...(o.exec === undefined ? {} : { command: ['sh', '-c', o.exec] }),
      });
      return {
        handler: launcherHandler(launcher, {
          ...timeout,
          ...(o.runtime.memoryMb === undefined ? {} : { memoryMb: o.runtime.memoryMb }),
          ...(o.cpus === undefined ? {} : { cpus: o.cpus }),
        }),
        prepare: async () => {
          const removed = await launcher.reapOrphans();
          return removed === 0
            ? undefined
            : `removed ${removed} orphaned container(s) of a worker that died on this host`;
        },
      };
    }
    case 'kubernetes':
    case 'lambda':
      if (o.exec === undefined)
        throw new InvalidInputError(
          '--exec',
          `fleet worker runs ${o.runtime.kind} tasks with --exec as a process; launch them from the SDK`,
        );
      return workerHandler({ ...o, runtime: { ...o.runtime, kind: 'process' } });
    default: {
      const never: never = o.runtime.kind;
      return never;
    }
  }
};
