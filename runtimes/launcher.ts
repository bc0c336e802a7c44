import type { PoolId, ProjectId, RuntimeKind, TaskId } from '../events/index.ts';
import type { LaunchOutcome } from './launch-outcome.ts';

/** The limits one launched attempt runs under. */
export interface LaunchLimits {
  /** Wall-clock limit: past it the launcher stops the attempt (`timed_out`). */
  readonly timeoutMs: number;
  /** Memory limit in MB (a container's cgroup limit, a Job's request and limit). */
  readonly memoryMb?: number;
  /** CPUs, fractional (0.5 is half a core). */
  readonly cpus?: number;
}

/** One attempt, as a launcher runs it. */
export interface LaunchSpec {
  readonly taskId: TaskId;
  readonly project: ProjectId;
  readonly pool: PoolId;
  readonly attempt: number;
  /**
   * The task as JSON (`{taskId, project, pool, attempt, payload}`, what `--exec` reads on stdin):
   * a file in the container (`FLEET_TASK_FILE`), the Job's environment, the Lambda's event.
   */
  readonly input: string;
  /** The image to run; the launcher's own when absent. Not used by Lambda. */
  readonly image?: string;
  /** Added to the container's or pod's environment. */
  readonly env: Readonly<Record<string, string>>;
  readonly limits: LaunchLimits;
  /** Aborting stops the attempt (`aborted`). */
  readonly signal: AbortSignal;
}

/** How a launched attempt ended. */
export interface LaunchResult {
  readonly outcome: LaunchOutcome;
  /** The process's exit code, when it had one. */
  readonly exitCode?: number;
  /** Its standard output (the function's response for Lambda), cut at the launcher's cap. */
  readonly stdout: string;
  /** The end of its standard error (the logs' tail), cut at the launcher's cap. */
  readonly stderr: string;
  /** True when stdout was longer than the cap: it is not the whole output. */
  readonly truncated: boolean;
  /** One line for people: why it ended so. */
  readonly detail: string;
}

/**
 * Runs an attempt of a task somewhere else than the worker's own process: a container, a
 * Kubernetes Job, a Lambda invocation. Throws `LaunchError` when it cannot launch at all.
 */
export interface Launcher {
  readonly kind: RuntimeKind;
  run(spec: LaunchSpec): Promise<LaunchResult>;
  /**
   * Removes what earlier, dead instances of this launcher left running (their labels say
   * whose they are); resolves with how many it removed.
   */
  reapOrphans(): Promise<number>;
}
