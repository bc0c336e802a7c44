import type { RuntimeTemplate } from '../events/index.ts';
import type { Launcher } from './launcher.ts';

/** What a template does not say about where its attempts run. */
export interface TemplateLauncherOptions {
  /** The Kubernetes namespace of Jobs (default `default`). */
  readonly namespace?: string;
  /** Whose containers and Jobs these are (default: this process and host). */
  readonly owner?: string;
}

/**
 * The launcher of a template's attempts: a container of its image (docker, the engine of
 * `DOCKER_HOST`), a Job of its image (kubernetes, the cluster of the kube config), an
 * invocation of its function (lambda, the region and credentials of the environment).
 * Undefined when the template lacks what its runtime needs (an image, a function). Each
 * launcher's module loads only when used: they bring their clients.
 */
export const templateLauncher = async (
  t: RuntimeTemplate,
  o: TemplateLauncherOptions = {},
): Promise<Launcher | undefined> => {
  const command = t.command === undefined ? {} : { command: t.command };
  switch (t.runtime.kind) {
    case 'docker': {
      if (t.image === undefined) return undefined;
      const { dockerLauncher } = await import('./docker/index.ts');
      return dockerLauncher({ image: t.image, ...command });
    }
    case 'kubernetes': {
      if (t.image === undefined) return undefined;
      const { kubernetesLauncher } = await import('./kubernetes/index.ts');
      return kubernetesLauncher({
        image: t.image,
        namespace: o.namespace ?? 'default',
        ...command,
        ...(o.owner === undefined ? {} : { owner: o.owner }),
      });
    }
    case 'lambda': {
      if (t.function === undefined) return undefined;
      const { lambdaLauncher } = await import('./lambda/index.ts');
      return lambdaLauncher({ functionName: t.function });
    }
    case 'process':
      return undefined;
    default: {
      const never: never = t.runtime.kind;
      return never;
    }
  }
};
