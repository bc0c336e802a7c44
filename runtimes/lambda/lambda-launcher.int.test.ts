import { afterEach, describe, expect, it } from 'vitest';
import { TaskError } from '../../actors/worker/index.ts';
import type { TaskHandler } from '../../actors/worker/index.ts';
import type { PoolId, ProjectId, TaskId } from '../../events/index.ts';
import { startFakeLambda } from '../../test/support/fake-lambda.ts';
import type { FakeFunction } from '../../test/support/fake-lambda.ts';
import { launcherHandler, taskInput } from '../launcher-handler.ts';
import type { LaunchSpec } from '../launcher.ts';
import { lambdaLauncher, MAX_LAMBDA_PAYLOAD_BYTES } from './lambda-launcher.ts';
import { lambdaTaskHandler } from './lambda-task-handler.ts';

// No AWS from these machines: the official client invokes an HTTP server implementing Lambda's
// documented Invoke endpoint, which runs Fleet's own Lambda entry point in this process.

let lambda: Awaited<ReturnType<typeof startFakeLambda>> | undefined;
afterEach(async () => {
  await lambda?.close();
  lambda = undefined;
});

const task = {
  taskId: 't1' as TaskId,
  project: 'p1' as ProjectId,
  pool: 'gpu' as PoolId,
  attempt: 1,
};
const spec = (payload: unknown, over: Partial<LaunchSpec> = {}): LaunchSpec => ({
  ...task,
  input: JSON.stringify({ ...task, payload }),
  env: {},
  limits: { timeoutMs: 10_000 },
  signal: new AbortController().signal,
  ...over,
});

/** Task handlers deployed as functions through `lambdaTaskHandler`. */
const fn = (handler: TaskHandler, timeoutMs = 5_000): FakeFunction => ({
  handler: lambdaTaskHandler(handler),
  timeoutMs,
});
const functions: Record<string, FakeFunction> = {
  double: fn((t) => Promise.resolve({ output: { n: (t.payload as { n: number }).n * 2 } })),
  fail: fn(() => Promise.reject(new TaskError('no such model'))),
  // Waits for its signal, which aborts before the function's timeout: it ends in time.
  polite: fn(
    (t) =>
      new Promise((resolve) =>
        t.signal.addEventListener('abort', () => resolve({ output: 'stopped' })),
      ),
    800,
  ),
  // Ignores its signal: Lambda's timeout ends it.
  stuck: fn(() => new Promise(() => undefined), 300),
  big: { ...fn(() => Promise.resolve({})), dies: 'out_of_memory' },
  flaky: { ...fn(() => Promise.resolve({})), dies: 'connection' },
};

const launcher = async (functionName: string) => {
  lambda = await startFakeLambda(functions);
  return lambdaLauncher({ client: lambda.client, functionName, maxOutputBytes: 1_000 });
};

describe('the lambda launcher and entry point, on the documented Invoke endpoint', () => {
  it('invokes synchronously with the task as the event; the response is the output', async () => {
    const r = await (await launcher('double')).run(spec({ n: 21 }));
    expect(r).toMatchObject({ outcome: 'succeeded', stdout: '{"n":42}', truncated: false });
    expect(r.stderr).toMatch(/END RequestId/);
    expect(lambda?.invocations).toEqual([
      {
        functionName: 'double',
        invocationType: 'RequestResponse',
        logType: 'Tail',
        event: { ...task, payload: { n: 21 } },
      },
    ]);
  });

  it('maps a function error to a failure with its type and message', async () => {
    const r = await (await launcher('fail')).run(spec({}));
    expect(r).toMatchObject({ outcome: 'failed', detail: 'TaskError: no such model' });
  });

  it("maps Lambda's timeout to timed out; a handler that heeds its signal ends in time", async () => {
    expect((await (await launcher('stuck')).run(spec({}))).outcome).toBe('timed_out');
    await lambda?.close();
    const polite = await (await launcher('polite')).run(spec({}));
    expect(polite).toMatchObject({ outcome: 'succeeded', stdout: '"stopped"' });
  });

  it('maps an out-of-memory end to memory exceeded', async () => {
    expect((await (await launcher('big')).run(spec({}))).outcome).toBe('memory_exceeded');
  });

  it('maps a connection lost mid-invocation to lost', async () => {
    expect((await (await launcher('flaky')).run(spec({}))).outcome).toBe('lost');
  });

  it('refuses an event over 6 MB before anything is sent', async () => {
    const l = await launcher('double');
    const huge = 'x'.repeat(MAX_LAMBDA_PAYLOAD_BYTES);
    await expect(l.run(spec(huge))).rejects.toMatchObject({
      name: 'LaunchError',
      code: 'payload_too_large',
      retryable: false,
    });
    expect(lambda?.invocations).toEqual([]);
  });

  it('refuses an unknown function with a typed error', async () => {
    await expect((await launcher('nope')).run(spec({}))).rejects.toMatchObject({
      name: 'LaunchError',
      code: 'runtime_not_found',
    });
  });

  it('runs as a worker handler: the output is reported as a task result', async () => {
    const handler = launcherHandler(await launcher('double'));
    const result = await handler({
      ...task,
      payload: { n: 5 },
      leaseExpiresAt: 0,
      timeoutMs: 10_000,
      signal: new AbortController().signal,
      progress: () => undefined,
    });
    expect(result).toEqual({ output: { n: 10 } });
    expect(
      JSON.parse(
        taskInput({
          ...task,
          payload: 1,
          leaseExpiresAt: 0,
          timeoutMs: 1,
          signal: new AbortController().signal,
          progress: () => undefined,
        }),
      ),
    ).toEqual({ ...task, payload: 1 });
  });
});
