import { spawn } from 'node:child_process';
import { MAX_MESSAGE_BYTES } from '../../events/index.ts';
import type { JsonValue, TaskHandler, TaskResult } from './task-context.ts';
import { TaskError } from './task-error.ts';

/** Options of `execHandler`. */
export interface ExecHandlerOptions {
  /** A shell command line, run with `sh -c` once per attempt. */
  readonly command: string;
  /** Kill the command after this long (default: only the lease, through the abort signal). */
  readonly timeoutMs?: number;
  /** The command always runs through `sh -c`; accepted for explicitness. */
  readonly shell?: true;
  /** Between SIGTERM and SIGKILL (default 2 s). */
  readonly killGraceMs?: number;
  readonly cwd?: string;
  /** Added to the inherited environment. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Most stderr kept for the failure message. */
const STDERR_TAIL = 2_048;
/** Variables never handed to the command: the worker's enrollment key. */
const WITHHELD_ENV = ['FLEET_KEY'];

const outputOf = (stdout: string): JsonValue | undefined => {
  if (stdout.trim() === '') return undefined;
  try {
    return JSON.parse(stdout) as JsonValue;
  } catch {
    return stdout.endsWith('\n') ? stdout.slice(0, -1) : stdout;
  }
};

/**
 * A handler that runs a command per attempt, the way `fleet worker --exec` does. The command
 * runs with `sh -c` in its own process group, gets the task as JSON on stdin
 * (`{taskId, project, pool, attempt, payload}`) and in `FLEET_TASK_ID`, `FLEET_PROJECT`,
 * `FLEET_POOL` and `FLEET_ATTEMPT`. Its stdout is the output (parsed as JSON when it parses,
 * else the text; nothing when empty). Exit code 0 is success; another exit code is a retryable
 * `TaskError` (code `exit_<n>`) whose message is the tail of stderr. On `timeoutMs` or when the
 * attempt's signal aborts, the group gets SIGTERM, then SIGKILL after `killGraceMs`.
 */
export const execHandler =
  (options: ExecHandlerOptions): TaskHandler =>
  (task) =>
    new Promise<TaskResult>((resolve, reject) => {
      const env: Record<string, string | undefined> = { ...process.env, ...options.env };
      for (const name of WITHHELD_ENV) delete env[name];
      const child = spawn('sh', ['-c', options.command], {
        stdio: ['pipe', 'pipe', 'pipe'],
        // Its own process group, so a kill reaches whatever the shell started.
        detached: true,
        ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
        env: {
          ...env,
          FLEET_TASK_ID: task.taskId,
          FLEET_PROJECT: task.project,
          FLEET_POOL: task.pool,
          FLEET_ATTEMPT: String(task.attempt),
        },
      });
      const stdout: Buffer[] = [];
      let stdoutBytes = 0;
      let stderr = '';
      let stoppedBy: 'timeout' | 'abort' | 'overflow' | undefined;
      let killTimer: NodeJS.Timeout | undefined;

      const signalGroup = (signal: NodeJS.Signals) => {
        if (child.pid === undefined) return;
        try {
          process.kill(-child.pid, signal);
        } catch {
          // Already gone.
        }
      };
      const terminate = (why: 'timeout' | 'abort' | 'overflow') => {
        if (stoppedBy !== undefined) return;
        stoppedBy = why;
        signalGroup('SIGTERM');
        killTimer = setTimeout(() => {
          signalGroup('SIGKILL');
        }, options.killGraceMs ?? 2_000);
      };
      const timer =
        options.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              terminate('timeout');
            }, options.timeoutMs);
      const onAbort = () => {
        terminate('abort');
      };
      task.signal.addEventListener('abort', onAbort, { once: true });
      const cleanup = () => {
        clearTimeout(timer);
        clearTimeout(killTimer);
        task.signal.removeEventListener('abort', onAbort);
      };

      // A command that does not read its input closes the pipe early; that is not a failure.
      child.stdin.on('error', () => undefined);
      child.stdin.end(
        JSON.stringify({
          taskId: task.taskId,
          project: task.project,
          pool: task.pool,
          attempt: task.attempt,
          payload: task.payload,
        }),
      );
      child.stdout.on('data', (chunk: Buffer) => {
        stdoutBytes += chunk.byteLength;
        if (stdoutBytes > MAX_MESSAGE_BYTES) terminate('overflow');
        else stdout.push(chunk);
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL);
      });
      child.once('error', (error) => {
        cleanup();
        reject(new TaskError(`cannot run the command: ${error.message}`, { code: 'spawn_failed' }));
      });
      child.once('close', (code, signal) => {
        cleanup();
        const tail = stderr.trim();
        if (stoppedBy === 'abort') {
          const reason: unknown = task.signal.reason;
          reject(reason instanceof Error ? reason : new TaskError('aborted', { code: 'aborted' }));
        } else if (stoppedBy === 'timeout')
          reject(
            new TaskError(
              `timed out after ${options.timeoutMs ?? 0} ms${tail === '' ? '' : `: ${tail}`}`,
              { code: 'timeout' },
            ),
          );
        else if (stoppedBy === 'overflow')
          reject(
            new TaskError(`stdout exceeds ${MAX_MESSAGE_BYTES} bytes`, {
              code: 'output_too_large',
              retryable: false,
            }),
          );
        else if (code === 0) {
          const output = outputOf(Buffer.concat(stdout).toString('utf8'));
          resolve(output === undefined ? {} : { output });
        } else if (code !== null)
          reject(
            new TaskError(tail === '' ? `the command exited with code ${code}` : tail, {
              code: `exit_${code}`,
            }),
          );
        else
          reject(
            new TaskError(`the command was killed by ${signal ?? 'a signal'}`, { code: 'signal' }),
          );
      });
      if (task.signal.aborted) onAbort();
    });
