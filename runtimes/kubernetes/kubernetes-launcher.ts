import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiException, BatchV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { LaunchError, LaunchErrorCode } from '../launch-error.ts';
import { LaunchOutcome } from '../launch-outcome.ts';
import type { LaunchResult, LaunchSpec, Launcher } from '../launcher.ts';
import { jobEnding } from './job-ending.ts';
import type { JobEnd } from './job-ending.ts';
import { JobLabel, jobManifest, labelValue, TASK_CONTAINER } from './job-manifest.ts';

/** Options of `kubernetesLauncher`. */
export interface KubernetesLauncherOptions {
  /** The image of an attempt whose spec names none. */
  readonly image: string;
  readonly namespace: string;
  /** The cluster and credentials (default: `loadFromDefault()`: in-cluster, or ~/.kube/config). */
  readonly kubeConfig?: KubeConfig;
  /** The container's command (default: the image's). */
  readonly command?: readonly string[];
  /** Whose Jobs these are (default the host name: a worker pod's own name). */
  readonly owner?: string;
  /** The cluster deletes a finished Job this long after it ends, if the launcher did not (60). */
  readonly ttlSecondsAfterFinished?: number;
  /** Between two reads of a running Job (default 1 s). */
  readonly pollMs?: number;
  /** Largest output read from the pod's log (default 1 MiB). */
  readonly maxOutputBytes?: number;
  /** How long past its deadline a Job may go unfinished before the launcher deletes it (10 s). */
  readonly deadlineGraceMs?: number;
}

const MB = 1024 * 1024;
const STDERR_TAIL = 4_096;

const message = (error: unknown): string =>
  error instanceof ApiException
    ? `HTTP ${error.code}: ${JSON.stringify(error.body)}`
    : error instanceof Error
      ? error.message
      : String(error);

/** A failed call to the cluster, as a typed launch error. */
const unavailable = (what: string, error: unknown): LaunchError =>
  new LaunchError(
    error instanceof ApiException && error.code === 404
      ? LaunchErrorCode.notFound
      : LaunchErrorCode.unavailable,
    `${what}: ${message(error)}`,
    { cause: error },
  );

/**
 * The Kubernetes launcher: each attempt is a Job of one pod (see `jobManifest`) created through
 * the official client, read until it completes or fails, its pod's log collected (Kubernetes
 * keeps stdout and stderr in one log: the output is that log), then deleted. Jobs are labelled
 * with their owner, so `reapOrphans` deletes those a dead worker of the same name left.
 */
export const kubernetesLauncher = (options: KubernetesLauncherOptions): Launcher => {
  const kc =
    options.kubeConfig ??
    (() => {
      const loaded = new KubeConfig();
      loaded.loadFromDefault();
      return loaded;
    })();
  const batch = kc.makeApiClient(BatchV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const { namespace } = options;
  const owner = options.owner ?? hostname();
  const maxOutput = options.maxOutputBytes ?? MB;
  const pollMs = options.pollMs ?? 1_000;

  const remove = (name: string) =>
    batch
      .deleteNamespacedJob({ name, namespace, propagationPolicy: 'Background' })
      .then(() => undefined);

  /** The Job's pod (one: never retried), if the cluster still has it. */
  const podOf = async (job: string): Promise<V1Pod | undefined> => {
    const pods = await core.listNamespacedPod({ namespace, labelSelector: `job-name=${job}` });
    return pods.items.at(-1);
  };

  /** Reads the Job until it ends, the attempt aborts or its deadline is long past. */
  const follow = async (
    name: string,
    spec: LaunchSpec,
  ): Promise<{ ending: JobEnd | 'timeout' | 'abort'; pod: V1Pod | undefined }> => {
    const giveUpAt = Date.now() + spec.limits.timeoutMs + (options.deadlineGraceMs ?? 10_000);
    for (;;) {
      if (spec.signal.aborted) return { ending: 'abort', pod: undefined };
      if (Date.now() > giveUpAt) return { ending: 'timeout', pod: undefined };
      let job: V1Job;
      try {
        job = await batch.readNamespacedJob({ name, namespace });
      } catch (error) {
        // Deleted under it (by hand, or by the reap of a worker that took it for an orphan).
        if (error instanceof ApiException && error.code === 404)
          return {
            ending: { outcome: LaunchOutcome.lost, detail: `Job ${name} was deleted while it ran` },
            pod: undefined,
          };
        throw unavailable(`cannot read Job ${name}`, error);
      }
      const ended = jobEnding(job, undefined);
      if (ended !== undefined) {
        const pod = await podOf(name).catch(() => undefined);
        return { ending: jobEnding(job, pod) ?? ended, pod };
      }
      await sleep(pollMs, undefined, { signal: spec.signal }).catch(() => undefined);
    }
  };

  /** The pod's log, one byte past the cap so that a cut shows. */
  const logOf = async (pod: V1Pod | undefined): Promise<string> => {
    const name = pod?.metadata?.name;
    if (name === undefined) return '';
    return core
      .readNamespacedPodLog({
        name,
        namespace,
        container: TASK_CONTAINER,
        limitBytes: maxOutput + 1,
      })
      .catch(() => '');
  };

  return {
    kind: 'kubernetes',
    run: async (spec): Promise<LaunchResult> => {
      const manifest = jobManifest(spec, {
        image: options.image,
        ...(options.command === undefined ? {} : { command: options.command }),
        owner,
        ttlSecondsAfterFinished: options.ttlSecondsAfterFinished ?? 60,
        nonce: randomBytes(3).toString('hex'),
      });
      const name = manifest.metadata?.name ?? '';
      try {
        await batch.createNamespacedJob({ namespace, body: manifest });
      } catch (error) {
        throw unavailable(`the cluster refused Job ${name}`, error);
      }
      try {
        const { ending, pod } = await follow(name, spec);
        if (ending === 'abort' || ending === 'timeout')
          return {
            outcome: ending === 'abort' ? LaunchOutcome.aborted : LaunchOutcome.timedOut,
            stdout: '',
            stderr: '',
            truncated: false,
            detail:
              ending === 'abort'
                ? 'deleted: the attempt was abandoned'
                : `the Job did not end within ${spec.limits.timeoutMs} ms and its grace`,
          };
        const log = await logOf(pod);
        const bytes = Buffer.from(log, 'utf8');
        const truncated = bytes.byteLength > maxOutput;
        return {
          ...ending,
          stdout: truncated ? bytes.subarray(0, maxOutput).toString('utf8') : log,
          stderr: bytes.subarray(Math.max(0, bytes.byteLength - STDERR_TAIL)).toString('utf8'),
          truncated,
        };
      } finally {
        // Deleted whatever happened; a failed delete is left to the Job's TTL and the next reap.
        await remove(name).catch(() => undefined);
      }
    },
    reapOrphans: async () => {
      let jobs: V1Job[];
      try {
        jobs = (
          await batch.listNamespacedJob({
            namespace,
            labelSelector: `${JobLabel.launcher}=kubernetes,${JobLabel.owner}=${labelValue(owner)}`,
          })
        ).items;
      } catch (error) {
        throw unavailable('cannot list the Jobs', error);
      }
      const removed = await Promise.all(
        jobs.map((j) =>
          remove(j.metadata?.name ?? '').then(
            () => 1,
            () => 0,
          ),
        ),
      );
      return removed.reduce((a: number, b) => a + b, 0);
    },
  };
};
