import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { jobEnding } from './job-ending.ts';

const job = (type: string, reason?: string): V1Job => ({
  spec: { template: {}, activeDeadlineSeconds: 30 },
  status: { conditions: [{ type, status: 'True', ...(reason === undefined ? {} : { reason }) }] },
});
const pod = (exitCode: number, reason: string): V1Pod => ({
  status: {
    containerStatuses: [
      {
        name: 'task',
        image: 'i',
        imageID: 'i',
        ready: false,
        restartCount: 0,
        state: { terminated: { exitCode, reason } },
      },
    ],
  },
});

describe('jobEnding', () => {
  it('has no ending while the Job runs, or for a condition that is not True', () => {
    expect(jobEnding({ status: { active: 1 } }, undefined)).toBeUndefined();
    expect(
      jobEnding({ status: { conditions: [{ type: 'Failed', status: 'False' }] } }, undefined),
    ).toBeUndefined();
  });

  it('maps Complete, DeadlineExceeded, OOMKilled, an exit code and a pod without one', () => {
    expect(jobEnding(job('Complete'), undefined)?.outcome).toBe('succeeded');
    expect(jobEnding(job('Failed', 'DeadlineExceeded'), undefined)?.outcome).toBe('timed_out');
    expect(jobEnding(job('Failed', 'BackoffLimitExceeded'), pod(137, 'OOMKilled'))?.outcome).toBe(
      'memory_exceeded',
    );
    expect(jobEnding(job('Failed', 'BackoffLimitExceeded'), pod(2, 'Error'))).toMatchObject({
      outcome: 'failed',
      exitCode: 2,
    });
    expect(jobEnding(job('Failed', 'BackoffLimitExceeded'), undefined)?.outcome).toBe('lost');
  });
});
