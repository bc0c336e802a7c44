/** The Docker launcher: a container per attempt through the Docker Engine API (dockerode). */
export { dockerLauncher } from './docker-launcher.ts';
export type { DockerLauncherOptions } from './docker-launcher.ts';
export { ContainerLabel } from './container-labels.ts';
export type { ContainerOwner } from './container-labels.ts';
export { containerEnding } from './container-ending.ts';
export type { ContainerEnd } from './container-ending.ts';
export { TASK_FILE } from './task-archive.ts';
