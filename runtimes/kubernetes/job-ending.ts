import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { LaunchOutcome } from '../launch-outcome.ts';
import { TASK_CONTAINER } from './job-manifest.ts';

/** How a Job ended, or `undefined` while it runs. */
export interface JobEnd {
  readonly outcome: LaunchOutcome;
  readonly exitCode?: number;
  readonly detail: string;
}

/** The Job's terminal condition (`Complete` or `Failed`, status `True`), if it has one. */
export const finalCondition = (job: V1Job) =>
  job.status?.conditions?.find(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );

/**
 * The outcome of a finished Job from its condition and its pod: `Complete` succeeded; a
 * `DeadlineExceeded` failure timed out; otherwise the task container's termination says it
 * (`OOMKilled` exceeded its memory, another exit code failed); a pod evicted, or without a
 * terminated container, was lost.
 */
export const jobEnding = (job: V1Job, pod: V1Pod | undefined): JobEnd | undefined => {
  const condition = finalCondition(job);
  if (condition === undefined) return undefined;
  if (condition.type === 'Complete')
    return { outcome: LaunchOutcome.succeeded, detail: 'Job complete' };
  if (condition.reason === 'DeadlineExceeded')
    return {
      outcome: LaunchOutcome.timedOut,
      detail: `the Job passed its activeDeadlineSeconds (${job.spec?.activeDeadlineSeconds ?? '?'} s)`,
    };
  const status = pod?.status?.containerStatuses?.find((s) => s.name === TASK_CONTAINER);
  const terminated = status?.state?.terminated;
  if (terminated?.reason === 'OOMKilled')
    return {
      outcome: LaunchOutcome.memoryExceeded,
      exitCode: terminated.exitCode,
      detail: `the pod was OOMKilled (exit code ${terminated.exitCode})`,
    };
  if (terminated !== undefined && terminated.exitCode !== 0)
    return {
      outcome: LaunchOutcome.failed,
      exitCode: terminated.exitCode,
      detail: `the container exited with code ${terminated.exitCode}${terminated.reason === undefined ? '' : ` (${terminated.reason})`}`,
    };
  const why = [pod?.status?.reason, pod?.status?.message, condition.reason, condition.message]
    .filter((s) => s !== undefined && s !== '')
    .join(': ');
  return { outcome: LaunchOutcome.lost, detail: `the Job failed without an exit code: ${why}` };
};
