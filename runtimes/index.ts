/**
 * Runtime launchers: run an attempt of a task in a container, a Kubernetes Job or a Lambda
 * invocation rather than the worker's own process, behind one `Launcher` interface;
 * `launcherHandler` makes a worker's task handler of one.
 */
export type { Launcher, LaunchLimits, LaunchResult, LaunchSpec } from './launcher.ts';
export { LaunchOutcome } from './launch-outcome.ts';
export { LaunchError, LaunchErrorCode } from './launch-error.ts';
export { launcherHandler, resultOf, taskInput } from './launcher-handler.ts';
export type { LauncherHandlerOptions } from './launcher-handler.ts';
export { CappedText } from './capped-text.ts';
export { dockerLauncher, ContainerLabel, TASK_FILE } from './docker/index.ts';
export type { DockerLauncherOptions, ContainerOwner } from './docker/index.ts';
export { kubernetesLauncher, jobManifest, jobEnding, JobLabel } from './kubernetes/index.ts';
export type { KubernetesLauncherOptions } from './kubernetes/index.ts';
export {
  lambdaLauncher,
  lambdaTaskHandler,
  functionEnding,
  MAX_LAMBDA_PAYLOAD_BYTES,
} from './lambda/index.ts';
export type { LambdaContext, LambdaLauncherOptions } from './lambda/index.ts';
export { templateHandlers } from './template-handler.ts';
export { templateLauncher } from './template-launcher.ts';
export type { TemplateLauncherOptions } from './template-launcher.ts';
