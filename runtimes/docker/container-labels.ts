import { hostname } from 'node:os';
import type { LaunchSpec } from '../launcher.ts';

/** The labels every container Fleet launches carries: whose it is, and for which attempt. */
export const ContainerLabel = {
  launcher: 'fleet.launcher',
  host: 'fleet.host',
  pid: 'fleet.pid',
  task: 'fleet.task',
  project: 'fleet.project',
  pool: 'fleet.pool',
  attempt: 'fleet.attempt',
} as const;

/** Which worker process launched a container: the host it runs on and its process id. */
export interface ContainerOwner {
  readonly host: string;
  readonly pid: number;
}

/** This process, as the owner of the containers it launches. */
export const thisProcess = (): ContainerOwner => ({ host: hostname(), pid: process.pid });

/** The labels of the container of `spec`, launched by `owner`. */
export const containerLabels = (
  owner: ContainerOwner,
  spec: Pick<LaunchSpec, 'taskId' | 'project' | 'pool' | 'attempt'>,
): Record<string, string> => ({
  [ContainerLabel.launcher]: 'docker',
  [ContainerLabel.host]: owner.host,
  [ContainerLabel.pid]: String(owner.pid),
  [ContainerLabel.task]: spec.taskId,
  [ContainerLabel.project]: spec.project,
  [ContainerLabel.pool]: spec.pool,
  [ContainerLabel.attempt]: String(spec.attempt),
});
