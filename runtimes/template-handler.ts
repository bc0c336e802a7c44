import type { HandlerFor } from '../actors/provisioner/index.ts';
import { TaskError } from '../actors/worker/index.ts';
import type { TaskHandler } from '../actors/worker/index.ts';
import type { RuntimeTemplate } from '../events/index.ts';
import { LaunchError } from './launch-error.ts';
import type { Launcher } from './launcher.ts';
import { launcherHandler } from './launcher-handler.ts';

/**
 * How a provisioner runs a template's attempts: through the launcher of the template's runtime
 * (a fresh container, Job or invocation per attempt) under the template's image, limits and
 * environment. An attempt the runtime could not launch at all (`LaunchError`: engine or
 * service unreachable, image or function missing) fails its task as usual and also fails the
 * launch, so that the template backs off.
 */
export const templateHandlers =
  (launcherFor: (template: RuntimeTemplate) => Launcher | undefined): HandlerFor =>
  (template, failed) => {
    const launcher = launcherFor(template);
    if (launcher === undefined) return undefined;
    const inner = launcherHandler(launcher, {
      ...(template.image === undefined ? {} : { image: template.image }),
      env: template.env,
      ...(template.runtime.memoryMb === undefined ? {} : { memoryMb: template.runtime.memoryMb }),
      ...(template.cpus === undefined ? {} : { cpus: template.cpus }),
    });
    const handler: TaskHandler = async (task) => {
      try {
        return await inner(task);
      } catch (error) {
        if (error instanceof TaskError && error.cause instanceof LaunchError)
          failed({ code: error.cause.code, message: error.cause.message });
        throw error;
      }
    };
    return handler;
  };
