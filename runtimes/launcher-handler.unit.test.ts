import { describe, expect, it } from 'vitest';
import { AbortedError } from '../actors/worker/index.ts';
import type { TaskContext } from '../actors/worker/index.ts';
import type { PoolId, ProjectId, TaskId } from '../events/index.ts';
import { LaunchError } from './launch-error.ts';
import { launcherHandler, resultOf } from './launcher-handler.ts';
import type { LaunchResult, LaunchSpec, Launcher } from './launcher.ts';

const task = (signal = new AbortController().signal): TaskContext => ({
  taskId: 't1' as TaskId,
  project: 'p1' as ProjectId,
  pool: 'gpu' as PoolId,
  attempt: 2,
  payload: { n: 1 },
  leaseExpiresAt: 0,
  timeoutMs: 30_000,
  signal,
  progress: () => undefined,
});

const result = (over: Partial<LaunchResult>): LaunchResult => ({
  outcome: 'succeeded',
  stdout: '',
  stderr: '',
  truncated: false,
  detail: 'd',
  ...over,
});

describe('resultOf: a launched attempt as the worker reports it', () => {
  it('takes stdout as the output, JSON when it parses', () => {
    expect(resultOf(result({ stdout: '{"a":1}\n' }), task())).toEqual({ output: { a: 1 } });
    expect(resultOf(result({ stdout: 'plain\n' }), task())).toEqual({ output: 'plain' });
    expect(resultOf(result({ stdout: '' }), task())).toEqual({});
  });

  it('fails with the code each outcome means, retryable or not', () => {
    const thrown = (r: LaunchResult) => {
      try {
        resultOf(r, task());
      } catch (error) {
        return error as { code: string; retryable: boolean; message: string };
      }
      throw new Error('did not throw');
    };
    expect(thrown(result({ outcome: 'failed', exitCode: 3, stderr: 'boom\n' }))).toMatchObject({
      code: 'exit_3',
      retryable: true,
      message: 'd: boom',
    });
    expect(thrown(result({ outcome: 'failed' }))).toMatchObject({ code: 'function_error' });
    expect(thrown(result({ outcome: 'timed_out' }))).toMatchObject({
      code: 'timeout',
      retryable: true,
    });
    expect(thrown(result({ outcome: 'memory_exceeded' }))).toMatchObject({
      code: 'memory_exceeded',
      retryable: false,
    });
    expect(thrown(result({ outcome: 'lost' }))).toMatchObject({ code: 'lost', retryable: true });
    expect(thrown(result({ truncated: true }))).toMatchObject({
      code: 'invalid_result',
      retryable: false,
    });
  });

  it("rethrows the attempt's abort reason for an aborted launch", () => {
    const abort = new AbortController();
    const reason = new AbortedError('lease_expired', 'lease over');
    abort.abort(reason);
    expect(() => resultOf(result({ outcome: 'aborted' }), task(abort.signal))).toThrow(reason);
  });
});

describe('launcherHandler', () => {
  it('hands the launcher the task, the template and the lease as the default limit', async () => {
    const seen: LaunchSpec[] = [];
    const launcher: Launcher = {
      kind: 'docker',
      run: (spec) => {
        seen.push(spec);
        return Promise.resolve(result({ stdout: '"ok"' }));
      },
      reapOrphans: () => Promise.resolve(0),
    };
    const handler = launcherHandler(launcher, { image: 'img', memoryMb: 64, env: { A: '1' } });
    expect(await handler(task())).toEqual({ output: 'ok' });
    expect(seen[0]).toMatchObject({
      image: 'img',
      env: { A: '1' },
      limits: { timeoutMs: 30_000, memoryMb: 64 },
      attempt: 2,
    });
    expect(JSON.parse(seen[0]?.input ?? '')).toEqual({
      taskId: 't1',
      project: 'p1',
      pool: 'gpu',
      attempt: 2,
      payload: { n: 1 },
    });
  });

  it('fails the attempt with the code of a launch that could not start', async () => {
    const refusing: Launcher = {
      kind: 'lambda',
      run: () => Promise.reject(new LaunchError('payload_too_large', 'too big')),
      reapOrphans: () => Promise.resolve(0),
    };
    await expect(launcherHandler(refusing)(task())).rejects.toMatchObject({
      name: 'TaskError',
      code: 'payload_too_large',
      retryable: false,
    });
  });
});
