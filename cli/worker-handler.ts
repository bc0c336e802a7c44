import type { TaskHandler } from '../actors/worker/index.ts';
import { InvalidInputError } from '../client/invalid-input-error.ts';
import type { Runtime } from '../events/index.ts';
import type { Launcher } from '../runtimes/launcher.ts';

/** What `fleet worker` says about how its attempts run. */
export interface WorkerHandlerOptions {
  readonly runtime: Runtime;
  readonly exec: string | undefined;
  readonly image: string | undefined;
  readonly namespace: string | undefined;
  readonly functionName: string | undefined;
  readonly cpus: number | undefined;
  readonly timeoutMs: number | undefined;
}

/** A handler, and what the worker must do before it claims (reap a dead worker's leftovers). */
export interface WorkerHandler {
  readonly handler: TaskHandler;
  readonly prepare: () => Promise<string | undefined>;
}

/**
 * The launcher `fleet worker` runs attempts through, if any: a container of `--image` (docker),
 * a Job of `--image` in `--namespace` (kubernetes), an invocation of `--function` (lambda). Each
 * launcher's module loads only when it is used: they bring their clients.
 */
const launcherOf = async (o: WorkerHandlerOptions): Promise<Launcher | undefined> => {
  const command = o.exec === undefined ? {} : { command: ['sh', '-c', o.exec] };
  switch (o.runtime.kind) {
    case 'docker': {
      if (o.image === undefined) return undefined;
      const { dockerLauncher } = await import('../runtimes/docker/index.ts');
      return dockerLauncher({ image: o.image, ...command });
    }
    case 'kubernetes': {
      if (o.image === undefined) return undefined;
      const { kubernetesLauncher } = await import('../runtimes/kubernetes/index.ts');
      return kubernetesLauncher({
        image: o.image,
        namespace: o.namespace ?? 'default',
        ...command,
      });
    }
    case 'lambda': {
      if (o.functionName === undefined) return undefined;
      const { lambdaLauncher } = await import('../runtimes/lambda/index.ts');
      return lambdaLauncher({ functionName: o.functionName });
    }
    case 'process':
      return undefined;
    default: {
      const never: never = o.runtime.kind;
      return never;
    }
  }
};

/**
 * The handler of `fleet worker`: through the runtime's launcher when one is configured (see
 * `launcherOf`; `--exec` is then the container's command through `sh -c`), else `--exec` as a
 * local process, whatever runtime the worker declares.
 */
export const workerHandler = async (o: WorkerHandlerOptions): Promise<WorkerHandler> => {
  const timeout = o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs };
  const launcher = await launcherOf(o);
  if (launcher === undefined) {
    if (o.exec === undefined)
      throw new InvalidInputError(
        '--exec',
        'a command is needed: --exec <command> (or, per runtime, --image or --function)',
      );
    const { execHandler } = await import('../actors/worker/index.ts');
    return {
      handler: execHandler({ command: o.exec, ...timeout }),
      prepare: () => Promise.resolve(undefined),
    };
  }
  const { launcherHandler } = await import('../runtimes/launcher-handler.ts');
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
        : `removed ${removed} orphaned ${launcher.kind === 'docker' ? 'container' : 'Job'}(s) of a worker that died`;
    },
  };
};
