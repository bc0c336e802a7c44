import { LaunchOutcome } from '../launch-outcome.ts';

/** What the engine said of a container that stopped, and why the launcher stopped it, if it did. */
export interface ContainerEnd {
  readonly exitCode: number;
  /** The engine's `State.OOMKilled` (Docker sets it; Podman on cgroup v1 may not). */
  readonly oomKilled: boolean;
  /** The container ran under a memory limit. */
  readonly memoryLimited: boolean;
  readonly stoppedBy: 'timeout' | 'abort' | undefined;
  readonly timeoutMs: number;
}

/** SIGKILL's exit code (128 + 9): what the kernel's OOM killer leaves. */
const KILLED = 137;

/**
 * The outcome of a stopped container. A stop of the launcher's own wins over the exit code;
 * a SIGKILL nobody sent under a memory limit is counted as the OOM killer's, since an engine
 * on cgroup v1 may not set `OOMKilled`.
 */
export const containerEnding = (
  end: ContainerEnd,
): { readonly outcome: LaunchOutcome; readonly detail: string } => {
  if (end.stoppedBy === 'abort')
    return { outcome: LaunchOutcome.aborted, detail: 'stopped: the attempt was abandoned' };
  if (end.stoppedBy === 'timeout')
    return {
      outcome: LaunchOutcome.timedOut,
      detail: `timed out after ${end.timeoutMs} ms`,
    };
  if (end.oomKilled || (end.exitCode === KILLED && end.memoryLimited))
    return {
      outcome: LaunchOutcome.memoryExceeded,
      detail: `killed for exceeding its memory limit (exit code ${end.exitCode})`,
    };
  if (end.exitCode === 0) return { outcome: LaunchOutcome.succeeded, detail: 'exit code 0' };
  return {
    outcome: LaunchOutcome.failed,
    detail: `the container exited with code ${end.exitCode}`,
  };
};
