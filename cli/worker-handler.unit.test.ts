import { describe, expect, it } from 'vitest';
import { workerHandler } from './worker-handler.ts';
import type { WorkerHandlerOptions } from './worker-handler.ts';

const options = (over: Partial<WorkerHandlerOptions>): WorkerHandlerOptions => ({
  runtime: { kind: 'process' },
  exec: undefined,
  image: undefined,
  namespace: undefined,
  functionName: undefined,
  cpus: undefined,
  timeoutMs: undefined,
  ...over,
});

describe('the handler of fleet worker', () => {
  it('refuses a worker with nothing to run, whatever its runtime', async () => {
    for (const kind of ['process', 'docker', 'kubernetes', 'lambda'] as const)
      await expect(workerHandler(options({ runtime: { kind } }))).rejects.toMatchObject({
        name: 'InvalidInputError',
        message: expect.stringMatching(/--exec/) as unknown,
      });
  });

  it('runs a lambda worker through its function, which leaves nothing to reap', async () => {
    const run = await workerHandler(
      options({ runtime: { kind: 'lambda' }, functionName: 'fleet-task' }),
    );
    expect(await run.prepare()).toBeUndefined();
  });
});
