import type Docker from 'dockerode';
import { LaunchError, LaunchErrorCode } from '../launch-error.ts';
import { ContainerLabel } from './container-labels.ts';
import type { ContainerOwner } from './container-labels.ts';

/**
 * Removes the containers launched on `owner`'s host by a process that is no longer alive (a
 * worker killed before it could remove its own); never this process's, never another host's.
 * Resolves with how many it removed. A pid reused by a live process keeps its containers: a
 * leak, never a kill of someone else's work.
 */
export const reapContainers = async (
  docker: Docker,
  owner: ContainerOwner,
  isAlive: (pid: number) => boolean,
): Promise<number> => {
  let listed: Docker.ContainerInfo[];
  try {
    listed = await docker.listContainers({
      all: true,
      filters: JSON.stringify({
        label: [`${ContainerLabel.launcher}=docker`, `${ContainerLabel.host}=${owner.host}`],
      }),
    });
  } catch (error) {
    throw new LaunchError(
      LaunchErrorCode.unavailable,
      `cannot list the engine's containers: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const orphans = listed.filter((c) => {
    const pid = Number(c.Labels[ContainerLabel.pid]);
    return Number.isInteger(pid) && pid !== owner.pid && !isAlive(pid);
  });
  const removed = await Promise.all(
    orphans.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .then(
          () => 1,
          () => 0,
        ),
    ),
  );
  return removed.reduce((a: number, b) => a + b, 0);
};
