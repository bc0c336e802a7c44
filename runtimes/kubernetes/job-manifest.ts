import { createHash } from 'node:crypto';
import type { V1Job } from '@kubernetes/client-node';
import type { LaunchSpec } from '../launcher.ts';

/** The labels (selectable) and annotations (any text) of every Job Fleet launches. */
export const JobLabel = {
  launcher: 'fleet.launcher',
  owner: 'fleet.owner',
  attempt: 'fleet.attempt',
  task: 'fleet.task',
  project: 'fleet.project',
  pool: 'fleet.pool',
} as const;

/** The container of the Job's pod that runs the attempt (its log is the attempt's output). */
export const TASK_CONTAINER = 'task';
/** The environment variable holding the task's JSON in the pod. */
export const TASK_ENV = 'FLEET_TASK';

/** A label value: at most 63 of `[A-Za-z0-9._-]`, alphanumeric at both ends. */
export const labelValue = (s: string): string =>
  s
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '') || 'x';

/** What a Job is made of, besides the attempt. */
export interface JobTemplate {
  readonly image: string;
  readonly command?: readonly string[];
  readonly owner: string;
  readonly ttlSecondsAfterFinished: number;
  /** Distinguishes two launches of one attempt (a DNS label's worth of `[a-z0-9]`). */
  readonly nonce: string;
}

/**
 * The Job of one attempt: one pod, never restarted nor retried (`backoffLimit: 0`: Fleet's
 * dispatcher decides retries), `activeDeadlineSeconds` from the wall-clock limit, memory and
 * CPU as both request and limit, deleted by the cluster `ttlSecondsAfterFinished` after it ends
 * should the launcher not delete it first. The name is a DNS label derived from the task id.
 */
export const jobManifest = (spec: LaunchSpec, t: JobTemplate): V1Job => {
  const digest = createHash('sha256').update(spec.taskId).digest('hex').slice(0, 12);
  const { memoryMb, cpus } = spec.limits;
  const resources = {
    ...(memoryMb === undefined ? {} : { memory: `${memoryMb}Mi` }),
    ...(cpus === undefined ? {} : { cpu: String(cpus) }),
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: `fleet-${digest}-a${spec.attempt}-${t.nonce}`.slice(0, 63),
      labels: {
        [JobLabel.launcher]: 'kubernetes',
        [JobLabel.owner]: labelValue(t.owner),
        [JobLabel.attempt]: String(spec.attempt),
      },
      annotations: {
        [JobLabel.task]: spec.taskId,
        [JobLabel.project]: spec.project,
        [JobLabel.pool]: spec.pool,
      },
    },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: Math.max(1, Math.ceil(spec.limits.timeoutMs / 1000)),
      ttlSecondsAfterFinished: t.ttlSecondsAfterFinished,
      template: {
        metadata: { labels: { [JobLabel.launcher]: 'kubernetes' } },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: TASK_CONTAINER,
              image: spec.image ?? t.image,
              ...(t.command === undefined ? {} : { command: [...t.command] }),
              env: Object.entries({ ...spec.env, [TASK_ENV]: spec.input }).map(([name, value]) => ({
                name,
                value,
              })),
              ...(Object.keys(resources).length === 0
                ? {}
                : { resources: { limits: resources, requests: resources } }),
            },
          ],
        },
      },
    },
  };
};
