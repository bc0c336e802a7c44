import { describe, expect, it } from 'vitest';
import type { ProjectId } from '../../events/index.ts';
import { enrolled, ev, P, POOL, submitted } from '../../test/support/builders.ts';
import { DEFAULT_PRICE_TABLE } from '../costs/price-table.ts';
import { foldLog } from '../projection-states.ts';
import type { Scope } from '../scope.ts';
import { specLog } from '../spec-log.ts';
import { rejectionView } from './rejection-view.ts';
import { RECENT_REJECTIONS } from './state.ts';

const ref = { project: P.health, pool: POOL };
const fin: Scope = { kind: 'project', project: P.fin as ProjectId };
const view = (items: ReturnType<typeof specLog>, scope: Scope = { kind: 'operator' }) =>
  rejectionView(foldLog(items).rejections, { scope, now: 0, priceTable: DEFAULT_PRICE_TABLE });
const claimRejected = (
  workerId: string,
  project: string,
  reason: 'cross_project' | 'unknown_worker',
) =>
  ev('claim.rejected', { workerId, project, pool: POOL, reason, detail: `claim by ${workerId}` });

describe('rejections', () => {
  it('counts refused claims by reason, under the project whose subject they named', () => {
    const items = specLog([
      enrolled('w1'),
      claimRejected('w1', P.fin, 'cross_project'),
      claimRejected('nobody', P.fin, 'unknown_worker'),
      claimRejected('ghost', P.health, 'unknown_worker'),
    ]);
    const v = view(items);
    expect(v.claims).toEqual({ total: 3, byReason: { cross_project: 1, unknown_worker: 2 } });
    expect(v.byProject.map((p) => [p.project, p.claims.total])).toEqual([
      [P.fin, 2],
      [P.health, 1],
    ]);
    expect(v.recent[0]).toEqual({
      seq: 4,
      at: 4000,
      kind: 'claim',
      project: P.health,
      pool: POOL,
      type: 'claim.rejected',
      reason: 'unknown_worker',
      detail: 'claim by ghost',
      taskId: null,
      workerId: 'ghost',
    });
  });

  it('counts invalid submissions: unreadable ones by codec code, and those the fold refused', () => {
    const items = specLog([
      {
        unreadable: {
          subject: 'fleet.fin-prod.gpu.submit',
          code: 'malformed_json',
          project: P.fin,
        },
      },
      {
        unreadable: {
          subject: 'fleet.fin-prod.gpu.submit',
          code: 'schema_invalid',
          project: P.fin,
          taskId: 'f9',
        },
      },
      {
        unreadable: {
          subject: 'fleet.fin-prod.gpu.worker.w1.report',
          code: 'schema_invalid',
          project: P.fin,
        },
      },
      submitted('t1'),
      submitted('t1'), // duplicate
    ]);
    const v = view(items);
    expect(v.submissions).toEqual({
      total: 3,
      byReason: { duplicate: 1, malformed_json: 1, schema_invalid: 1 },
    });
    expect(v.events).toEqual({ total: 1, byReason: { schema_invalid: 1 } });
    expect(v.recent.find((r) => r.seq === 2)).toMatchObject({
      kind: 'submission',
      type: 'unreadable',
      project: P.fin,
      pool: POOL,
      taskId: 'f9',
    });
  });

  it('counts stale and forged events the dispatcher’s fold refused, by reason and project', () => {
    const items = specLog([
      enrolled('w1'),
      enrolled('wf', { project: P.fin }),
      submitted('t1'),
      ev('task.assigned', {
        taskId: 't1',
        ...ref,
        workerId: 'w1',
        attempt: 1,
        leaseExpiresAt: 10 ** 12,
      }),
      ev('task.completed', { taskId: 't1', ...ref, workerId: 'w1', attempt: 1 }),
      ev('task.completed', { taskId: 't1', ...ref, workerId: 'w1', attempt: 1 }), // stale
      ev('task.completed', { taskId: 't1', ...ref, workerId: 'wf', attempt: 1 }), // forged
      ev('worker.left', { workerId: 'w1', ...ref }),
      ev('worker.draining', { workerId: 'w1', ...ref }), // after leaving
    ]);
    const v = view(items);
    expect(v.events).toEqual({
      total: 3,
      byReason: { cross_project: 1, invalid_transition: 1, task_not_assigned: 1 },
    });
    expect(v.claims.total + v.submissions.total).toBe(0);
    expect(v.recent.map((r) => r.reason)).toEqual([
      'invalid_transition',
      'cross_project',
      'task_not_assigned',
    ]);
  });

  it('keeps the most recent ones, newest first, per project too', () => {
    const many = Array.from({ length: RECENT_REJECTIONS + 5 }, (_, i) =>
      claimRejected(`w${i}`, P.health, 'unknown_worker'),
    );
    const items = specLog([claimRejected('x', P.fin, 'unknown_worker'), ...many]);
    const v = view(items);
    expect(v.claims.total).toBe(RECENT_REJECTIONS + 6);
    expect(v.recent).toHaveLength(RECENT_REJECTIONS);
    expect(v.recent[0]?.workerId).toBe(`w${RECENT_REJECTIONS + 4}`);
    // Another tenant's flood does not push a project's own refusals out of its view.
    expect(view(items, fin).recent.map((r) => r.workerId)).toEqual(['x']);
  });

  it('shows a project only its own refusals, without the foreign worker a cross-project one names', () => {
    const items = specLog([
      enrolled('w1'),
      claimRejected('w1', P.fin, 'cross_project'),
      claimRejected('ghost', P.health, 'unknown_worker'),
    ]);
    const v = view(items, fin);
    expect(v.claims).toEqual({ total: 1, byReason: { cross_project: 1 } });
    expect(v.byProject.map((p) => p.project)).toEqual([P.fin]);
    expect(v.recent).toEqual([
      expect.objectContaining({ reason: 'cross_project', workerId: null, project: P.fin }),
    ]);
    expect(JSON.stringify(v)).not.toMatch(/health|"w1"|ghost/);
    expect(view(items).recent[1]).toMatchObject({ workerId: 'w1', detail: 'claim by w1' });
  });
});
