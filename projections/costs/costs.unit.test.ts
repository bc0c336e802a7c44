import { describe, expect, it } from 'vitest';
import type { ProjectId } from '../../events/index.ts';
import { enrolled, ev, P, POOL, submitted } from '../../test/support/builders.ts';
import { foldLog } from '../projection-states.ts';
import type { Scope } from '../scope.ts';
import { specLog } from '../spec-log.ts';
import { costView, rollUpHours } from './cost-view.ts';
import type { PriceTable } from './price-table.ts';
import { priceTokens } from './price-table.ts';

const ref = { project: P.health, pool: POOL };
const assigned = (taskId: string, workerId: string, attempt = 1) =>
  ev('task.assigned', { taskId, ...ref, workerId, attempt, leaseExpiresAt: 10 ** 12 });
type Usage = {
  tokensIn?: number;
  tokensOut?: number;
  costUsd?: number;
  durationMs?: number;
  model?: string;
};
const completed = (taskId: string, workerId: string, usage: Usage = {}, attempt = 1) =>
  ev('task.completed', { taskId, ...ref, workerId, attempt, usage });
const failed = (
  taskId: string,
  workerId: string,
  retryable: boolean,
  attempt = 1,
  usage: Usage = {},
) =>
  ev('task.failed', {
    taskId,
    ...ref,
    workerId,
    attempt,
    retryable,
    error: { message: 'no' },
    usage,
  });

const PRICES: PriceTable = { llama: { inPerMillion: 2, outPerMillion: 4 } };
const operator: Scope = { kind: 'operator' };
const costs = (items: ReturnType<typeof specLog>, scope: Scope = operator, priceTable = PRICES) =>
  costView(foldLog(items).costs, { scope, now: 0, priceTable });

describe('costs', () => {
  it('adds reported costs, prices tokens reported without one, and keeps unpriced tokens apart', () => {
    const items = specLog([
      enrolled('w1', { models: ['llama', 'other'], capacity: 3 }),
      [submitted('t1'), submitted('t2'), submitted('t3', { requirements: { models: ['other'] } })],
      [assigned('t1', 'w1'), assigned('t2', 'w1'), assigned('t3', 'w1')],
      completed('t1', 'w1', { tokensIn: 100, tokensOut: 10, costUsd: 0.5, durationMs: 1500 }),
      completed('t2', 'w1', { tokensIn: 1_000_000, tokensOut: 500_000, durationMs: 500 }),
      completed('t3', 'w1', { tokensIn: 7, tokensOut: 3 }),
    ]);
    const v = costs(items);
    expect(v.total).toEqual({
      completed: 3,
      failed: 0,
      failures: 0,
      tokensIn: 1_000_107,
      tokensOut: 500_013,
      costUsd: 0.5 + 2 + 2,
      estimatedUsd: 4,
      unpricedTokens: 10,
      computeSeconds: 2,
    });
    expect(v.rows.map((r) => [r.model, r.completed, r.costUsd, r.unpricedTokens])).toEqual([
      ['llama', 2, 4.5, 0],
      ['other', 1, 0, 10],
    ]);
    // The price table is applied when viewing: another table, other costs, no refold.
    expect(costs(items, operator, {}).total.costUsd).toBe(0.5);
    expect(priceTokens(PRICES, 'llama', 1_000_000, 0)).toBe(2);
  });

  it('names the model from the report, else the task, else the worker’s only model', () => {
    const items = specLog([
      enrolled('w1', { models: ['solo'], capacity: 3 }),
      enrolled('w2', { models: ['a', 'b'], capacity: 2 }),
      [submitted('t1', { requirements: {} }), submitted('t2', { requirements: { models: ['a'] } })],
      [assigned('t1', 'w1'), assigned('t2', 'w2')],
      [submitted('t3', { requirements: {} }), submitted('t4', { requirements: {} })],
      [assigned('t3', 'w1'), assigned('t4', 'w2')],
      completed('t1', 'w1'),
      completed('t2', 'w2'),
      completed('t3', 'w1', { model: 'named' }),
      completed('t4', 'w2'),
    ]);
    expect(costs(items).byWorker.map((r) => [r.workerId, r.completed])).toEqual([
      ['w1', 2],
      ['w2', 2],
    ]);
    expect(costs(items).rows.map((r) => [r.model, r.completed])).toEqual([
      ['a', 1],
      ['named', 1],
      ['solo', 1],
      ['unknown', 1],
    ]);
  });

  it('counts failed attempts and the tasks a failure ended', () => {
    const items = specLog([
      enrolled('w1', { capacity: 3 }),
      [submitted('t1'), submitted('t2'), submitted('t3', { maxAttempts: 1 })],
      [assigned('t1', 'w1'), assigned('t2', 'w1'), assigned('t3', 'w1')],
      failed('t1', 'w1', true, 1, { tokensIn: 5, durationMs: 100 }), // requeued
      assigned('t1', 'w1', 2),
      completed('t1', 'w1', {}, 2),
      failed('t2', 'w1', false), // failed at once
      failed('t3', 'w1', true), // its last attempt: dead-lettered
    ]);
    expect(costs(items).total).toMatchObject({
      completed: 1,
      failures: 3,
      failed: 2,
      tokensIn: 5,
      computeSeconds: 0.1,
    });
  });

  it('bills nothing for refused reports: forged, stale, duplicate', () => {
    const items = specLog([
      enrolled('w1'),
      enrolled('wf', { project: P.fin }),
      submitted('t1'),
      assigned('t1', 'w1'),
      ev('task.completed', {
        taskId: 't1',
        ...ref,
        workerId: 'wf',
        attempt: 1,
        usage: { costUsd: 9 },
      }),
      completed('t1', 'w1', { costUsd: 1 }, 2), // stale attempt
      completed('t1', 'w1', { costUsd: 1 }),
      completed('t1', 'w1', { costUsd: 1 }), // duplicate
    ]);
    expect(costs(items).total).toMatchObject({ completed: 1, costUsd: 1 });
    expect(costs(items, { kind: 'project', project: P.fin as ProjectId }).total.completed).toBe(0);
  });

  it('buckets by UTC hour of stream time and rolls hours up from a time', () => {
    const hour = 3_600_000;
    const at = [0, 1, 2, 3, 10 * hour + 5, 11 * hour, 11 * hour + 59 * 60_000];
    const items = specLog(
      [
        enrolled('w1', { capacity: 3 }),
        [submitted('t1'), submitted('t2'), submitted('t3')],
        [assigned('t1', 'w1'), assigned('t2', 'w1'), assigned('t3', 'w1')],
        completed('t1', 'w1', { costUsd: 1 }),
        completed('t2', 'w1', { costUsd: 2 }),
        completed('t3', 'w1', { costUsd: 4 }),
      ],
      { at: (seq) => at[seq] ?? 0 },
    );
    const v = costs(items);
    expect(v.hourly.map((h) => [h.hour, h.completed, h.costUsd])).toEqual([
      ['1970-01-01T10:00:00.000Z', 1, 1],
      ['1970-01-01T11:00:00.000Z', 2, 6],
    ]);
    expect(rollUpHours(v.hourly, 11 * hour + 30 * 60_000).map((r) => r.costUsd)).toEqual([6]);
    expect(rollUpHours(v.hourly, 0).map((r) => [r.model, r.completed, r.costUsd])).toEqual([
      ['llama', 3, 7],
    ]);
  });

  it('shows a project only its own costs', () => {
    const items = specLog([
      enrolled('w1'),
      enrolled('wf', { project: P.fin }),
      submitted('t1'),
      submitted('f1', { project: P.fin }),
      assigned('t1', 'w1'),
      ev('task.assigned', {
        taskId: 'f1',
        project: P.fin,
        pool: POOL,
        workerId: 'wf',
        attempt: 1,
        leaseExpiresAt: 10 ** 12,
      }),
      completed('t1', 'w1', { costUsd: 3 }),
      ev('task.completed', {
        taskId: 'f1',
        project: P.fin,
        pool: POOL,
        workerId: 'wf',
        attempt: 1,
        usage: { costUsd: 5 },
      }),
    ]);
    const fin = costs(items, { kind: 'project', project: P.fin as ProjectId });
    expect(fin.total.costUsd).toBe(5);
    expect(fin.byProject.map((p) => p.project)).toEqual([P.fin]);
    expect(JSON.stringify(fin)).not.toMatch(/health|"w1"/);
    expect(costs(items).byProject.map((p) => [p.project, p.costUsd])).toEqual([
      [P.fin, 5],
      [P.health, 3],
    ]);
  });
});
