/** The Kubernetes launcher: a Job per attempt through the official client. */
export { kubernetesLauncher } from './kubernetes-launcher.ts';
export type { KubernetesLauncherOptions } from './kubernetes-launcher.ts';
export { jobManifest, JobLabel, TASK_CONTAINER, TASK_ENV } from './job-manifest.ts';
export type { JobTemplate } from './job-manifest.ts';
export { jobEnding } from './job-ending.ts';
export type { JobEnd } from './job-ending.ts';
