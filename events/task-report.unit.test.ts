import { describe, expect, it } from 'vitest';
import { FleetEvent } from './fleet-event.ts';
import { TaskReport, taskReportOf } from './task-report.ts';
import { sample, sampleEvents } from './test-fixtures.ts';

const completed = FleetEvent.parse(sampleEvents['task.completed']);
const failed = FleetEvent.parse(sampleEvents['task.failed']);
const task = { project: sample.project, pool: sample.pool, taskId: sample.taskId };

/** The sample completion, said of another task. */
const completedFor = (data: Partial<{ project: string; pool: string; taskId: string }>) =>
  FleetEvent.parse({
    ...sampleEvents['task.completed'],
    data: { ...sampleEvents['task.completed'].data, ...data, output: 'not yours' },
  });

describe('taskReportOf', () => {
  it('gives a completion’s output and usage, and a failure’s error and usage', () => {
    expect(taskReportOf([completed], task)).toEqual({
      output: { text: 'hello' },
      usage: { tokensIn: 0, tokensOut: 0, durationMs: 0 },
    });
    expect(taskReportOf([failed], task)).toEqual({
      error: { message: 'boom' },
      usage: { tokensIn: 0, tokensOut: 0, durationMs: 0 },
    });
  });

  it('never gives another project’s, pool’s or task’s report, even for the same task id', () => {
    const others = [
      completedFor({ project: 'fin-prod' }),
      completedFor({ pool: 'cpu' }),
      completedFor({ taskId: 't-2' }),
    ];
    expect(taskReportOf(others, task)).toBeUndefined();
    // In a batch, the task's own report is found among the others.
    expect(taskReportOf([...others, completed], task)?.output).toEqual({ text: 'hello' });
  });

  it('finds nothing in a message that is no report', () => {
    expect(taskReportOf([FleetEvent.parse(sampleEvents['task.dead_lettered'])], task)).toBe(
      undefined,
    );
  });

  it('is what a status reply carries: strict', () => {
    expect(TaskReport.safeParse({ output: 1, extra: true }).success).toBe(false);
    expect(TaskReport.parse({})).toEqual({});
  });
});
