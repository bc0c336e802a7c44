import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { MAX_MESSAGE_BYTES, Usage } from '../../events/index.ts';
import { outputOf } from './output-of.ts';
import type { TaskHandler, TaskResult } from './task-context.ts';
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

/** Largest usage file read: a few numbers and a model name. */
const MAX_USAGE_BYTES = 4_096;
/**
 * What a command may write to `FLEET_USAGE_FILE`: the usage fields, each optional. Not
 * `Usage.partial()`: zod keeps a field's `.default(0)` under `.partial()`, so an absent
 * `durationMs` would read as 0 and hide the duration the worker measured.
 */
const UsageFile = z
  .object({
    tokensIn: Usage.shape.tokensIn.unwrap().optional(),
    tokensOut: Usage.shape.tokensOut.unwrap().optional(),
    costUsd: Usage.shape.costUsd,
    durationMs: Usage.shape.durationMs.unwrap().optional(),
    model: Usage.shape.model,
  })
  .strict();

/**
 * The usage the command wrote to `path`, if it wrote any. A file that is not JSON or not a
 * usage object fails the attempt for good: the same command would write the same again.
 */
const usageIn = async (path: string): Promise<TaskResult['usage']> => {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  const invalid = (why: string) =>
    new TaskError(`FLEET_USAGE_FILE: ${why}`, { code: 'invalid_usage', retryable: false });
  if (text.trim() === '') return undefined;
  if (text.length > MAX_USAGE_BYTES) throw invalid(`larger than ${MAX_USAGE_BYTES} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw invalid('not JSON');
  }
  const usage = UsageFile.safeParse(raw);
  if (!usage.success) {
    const issue = usage.error.issues[0];
    throw invalid(
      `${issue?.path.map(String).join('.') ?? ''} ${issue?.message ?? 'invalid'}`.trim(),
    );
  }
  return usage.data;
};

/**
 * A handler that runs a command per attempt, the way `fleet worker --exec` does. The command
 * runs with `sh -c` in its own process group, gets the task as JSON on stdin
 * (`{taskId, project, pool, attempt, payload}`) and in `FLEET_TASK_ID`, `FLEET_PROJECT`,
 * `FLEET_POOL` and `FLEET_ATTEMPT`. Its stdout is the output (parsed as JSON when it parses,
 * else the text; nothing when empty; over 1 MiB, `invalid_result`). It may write its usage as JSON
 * (`{"tokensIn", "tokensOut", "costUsd", "model", "durationMs"}`, each optional) to the file
 * named by `FLEET_USAGE_FILE`, which feeds the cost rollups; the file is removed afterwards. Exit code 0 is success; another exit code is a retryable
 * `TaskError` (code `exit_<n>`) whose message is the tail of stderr. On `timeoutMs` or when the
 * attempt's signal aborts, the group gets SIGTERM, then SIGKILL after `killGraceMs`.
 */
export const execHandler =
  (options: ExecHandlerOptions): TaskHandler =>
  (task) =>
    new Promise<TaskResult>((resolve, reject) => {
      const env: Record<string, string | undefined> = { ...process.env, ...options.env };
      const usageFile = join(tmpdir(), `fleet-usage-${randomUUID()}.json`);
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
          FLEET_USAGE_FILE: usageFile,
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
        // The usage file is the attempt's own: gone once read, or at once when not read.
        const removeUsage = () => rm(usageFile, { force: true }).catch(() => undefined);
        if (stoppedBy !== undefined || code !== 0) void removeUsage();
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
            new TaskError(`stdout exceeds ${MAX_MESSAGE_BYTES} bytes, more than a report holds`, {
              code: 'invalid_result',
              retryable: false,
            }),
          );
        else if (code === 0) {
          const output = outputOf(Buffer.concat(stdout).toString('utf8'));
          // Removed before the attempt resolves: its report never races the file's removal.
          usageIn(usageFile)
            .finally(removeUsage)
            .then((usage) => {
              resolve({
                ...(output === undefined ? {} : { output }),
                ...(usage === undefined ? {} : { usage }),
              });
            }, reject);
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
