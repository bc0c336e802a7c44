import { access } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { Assignment } from '../../events/index.ts';
import type { PoolId, ProjectId, TaskId, WorkerId } from '../../events/index.ts';
import { buildReport } from './build-report.ts';
import { AbortedError } from './aborted-error.ts';
import { execHandler } from './exec-handler.ts';
import type { TaskContext } from './task-context.ts';
import { TaskError } from './task-error.ts';

const context = (signal = new AbortController().signal): TaskContext => ({
  taskId: 't1' as TaskId,
  project: 'health-prod' as ProjectId,
  pool: 'gpu' as PoolId,
  attempt: 2,
  payload: { prompt: 'héllo', n: [1, 2] },
  leaseExpiresAt: Date.now() + 60_000,
  timeoutMs: 60_000,
  signal,
  progress: () => undefined,
});

const failure = async (p: Promise<unknown>): Promise<unknown> => {
  try {
    await p;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
};

describe('execHandler', () => {
  it('hands the task to the command on stdin; `cat` echoes it back as the JSON output', async () => {
    const result = await execHandler({ command: 'cat' })(context());
    expect(result).toEqual({
      output: {
        taskId: 't1',
        project: 'health-prod',
        pool: 'gpu',
        attempt: 2,
        payload: { prompt: 'héllo', n: [1, 2] },
      },
    });
  });

  it('returns text output as a string, none for empty output, and sets the task variables', async () => {
    const env = await execHandler({
      command: 'echo "$FLEET_PROJECT/$FLEET_POOL/$FLEET_TASK_ID#$FLEET_ATTEMPT"',
    })(context());
    expect(env).toEqual({ output: 'health-prod/gpu/t1#2' });
    expect(await execHandler({ command: 'true' })(context())).toEqual({});
  });

  it('reads the usage the command wrote to FLEET_USAGE_FILE, then removes the file', async () => {
    const r = await execHandler({
      command:
        'printf \'{"tokensIn":812,"tokensOut":190,"model":"llama3-70b"}\' > "$FLEET_USAGE_FILE"; ' +
        'echo "$FLEET_USAGE_FILE"',
    })(context());
    // Exactly what the command wrote: no `durationMs: 0` filled in, which would hide the
    // duration the worker measures (see buildReport).
    expect(r.usage).toEqual({ tokensIn: 812, tokensOut: 190, model: 'llama3-70b' });
    const path = typeof r.output === 'string' ? r.output : '';
    expect(path).toMatch(/fleet-usage-.+\.json$/);
    await expect(access(path)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('leaves the duration to the worker when the usage file gives none, so reports carry it', async () => {
    const r = await execHandler({
      command: 'printf \'{"tokensIn":5}\' > "$FLEET_USAGE_FILE"',
    })(context());
    const report = buildReport({
      assignment: Assignment.parse({
        taskId: 't1',
        project: 'health-prod',
        pool: 'gpu',
        attempt: 1,
        leaseExpiresAt: 10_000,
        timeoutMs: 5_000,
        payload: {},
      }),
      workerId: 'w1' as WorkerId,
      outcome: { ok: true, result: r },
      durationMs: 37,
      at: 1_000,
    });
    expect(report).toMatchObject({
      type: 'task.completed',
      data: { usage: { tokensIn: 5, durationMs: 37 } },
    });
  });

  it('fails an attempt for good when its usage file is not a usage', async () => {
    for (const [content, why] of [
      ['tokens: lots', /not JSON/],
      ['{"tokensIn": -3}', /tokensIn/],
      ['{"tokensIn": 1, "secret": "x"}', /secret|Unrecognized/],
    ] as const) {
      const error = await failure(
        execHandler({ command: `printf '%s' '${content}' > "$FLEET_USAGE_FILE"` })(context()),
      );
      expect(error).toBeInstanceOf(TaskError);
      expect(error).toMatchObject({ code: 'invalid_usage', retryable: false });
      expect((error as Error).message).toMatch(why);
    }
  });

  it('never hands the enrollment key to the command', async () => {
    process.env['FLEET_KEY'] = 'fk_secret';
    try {
      const r = await execHandler({ command: 'printf "%s" "${FLEET_KEY:-none}"' })(context());
      expect(r).toEqual({ output: 'none' });
    } finally {
      delete process.env['FLEET_KEY'];
    }
  });

  it('turns a non-zero exit into a retryable TaskError carrying the tail of stderr', async () => {
    const error = await failure(
      execHandler({ command: 'echo partial; echo "model not loaded" >&2; exit 3' })(context()),
    );
    expect(error).toBeInstanceOf(TaskError);
    expect(error).toMatchObject({ code: 'exit_3', retryable: true, message: 'model not loaded' });
    const silent = await failure(execHandler({ command: 'exit 4' })(context()));
    expect(silent).toMatchObject({ code: 'exit_4', message: 'the command exited with code 4' });
  });

  it('kills a command that outlives its timeout, and whatever it started', async () => {
    const started = performance.now();
    const error = await failure(
      execHandler({ command: 'sleep 5; echo late', timeoutMs: 200 })(context()),
    );
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(error).toMatchObject({ code: 'timeout', retryable: true });
  });

  it('kills the command when the attempt aborts, failing with the abort reason', async () => {
    const controller = new AbortController();
    const running = execHandler({ command: 'sleep 5' })(context(controller.signal));
    setTimeout(() => {
      controller.abort(new AbortedError('lease_expired', 'the lease expired'));
    }, 100);
    const started = performance.now();
    const error = await failure(running);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(error).toBeInstanceOf(AbortedError);
    expect(error).toMatchObject({ why: 'lease_expired' });
  });

  it('sends SIGKILL when the command ignores SIGTERM', async () => {
    const started = performance.now();
    const error = await failure(
      execHandler({
        command: "trap '' TERM; sleep 5",
        timeoutMs: 100,
        killGraceMs: 200,
      })(context()),
    );
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(error).toMatchObject({ code: 'timeout' });
  });
});
