import { describe, expect, it } from 'vitest';
import { containerEnding } from './container-ending.ts';
import type { ContainerEnd } from './container-ending.ts';

const end = (over: Partial<ContainerEnd>): ContainerEnd => ({
  exitCode: 0,
  oomKilled: false,
  memoryLimited: false,
  stoppedBy: undefined,
  timeoutMs: 1_000,
  ...over,
});

describe('containerEnding', () => {
  it('maps exit codes: 0 succeeded, another failed', () => {
    expect(containerEnding(end({})).outcome).toBe('succeeded');
    expect(containerEnding(end({ exitCode: 3 }))).toEqual({
      outcome: 'failed',
      detail: 'the container exited with code 3',
    });
  });

  it("puts the launcher's own stop before the exit code it caused", () => {
    expect(containerEnding(end({ exitCode: 137, stoppedBy: 'timeout' })).outcome).toBe('timed_out');
    expect(
      containerEnding(end({ exitCode: 143, stoppedBy: 'abort', memoryLimited: true })).outcome,
    ).toBe('aborted');
  });

  it("counts the engine's OOM flag, or a SIGKILL nobody sent under a memory limit, as memory", () => {
    expect(containerEnding(end({ exitCode: 137, oomKilled: true })).outcome).toBe(
      'memory_exceeded',
    );
    expect(containerEnding(end({ exitCode: 137, memoryLimited: true })).outcome).toBe(
      'memory_exceeded',
    );
    // Without a limit, a SIGKILL is someone else's: a plain failure.
    expect(containerEnding(end({ exitCode: 137 })).outcome).toBe('failed');
  });
});
