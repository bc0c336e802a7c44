import { describe, expect, it } from 'vitest';
import { waitReasonText } from '../domain/pool/index.ts';
import type { WaitingView } from '../projections/index.ts';
import { ProjectId, Requirements } from '../events/index.ts';
import { parseTaskSearch, TASK_PAGE, taskListPage } from './task-list.ts';
import type { TaskListRow } from './task-list.ts';

const operator = { kind: 'operator' } as const;
const search = (query: string, scope: Parameters<typeof parseTaskSearch>[1] = operator) =>
  parseTaskSearch(new URLSearchParams(query), scope);

const gpu = Requirements.parse({
  models: ['llama'],
  labels: [{ key: 'vram', op: 'eq', value: '80' }],
});
const row = (taskId: string, seq: number, over: Partial<TaskListRow> = {}): TaskListRow => ({
  taskId,
  project: 'alpha',
  pool: 'gpu',
  status: 'queued',
  priority: 0,
  requirements: gpu,
  attempts: 0,
  maxAttempts: 3,
  workerId: null,
  submittedSeq: seq,
  index: 0,
  submittedAt: seq * 1_000,
  endedAt: null,
  ...over,
});
const group = (reason: WaitingView['reason'], timeoutMs = 60_000): WaitingView => ({
  project: 'alpha',
  pool: 'gpu',
  queued: 1,
  oldestSeq: 1,
  oldestSubmittedAt: null,
  oldestAgeMs: null,
  // The same demand with its keys in another order: matched by signature, not by text.
  requirements: Requirements.parse({ labels: gpu.labels, models: gpu.models }),
  timeoutMs,
  reason,
  text: waitReasonText(reason),
});

describe('a task search', () => {
  it('reads id, statuses, labels and limit, and cuts a project token to its project', () => {
    const s = search('id=b1&status=queued,failed&label=vram=80&label=zone=eu&limit=20', {
      kind: 'project',
      project: ProjectId.parse('alpha'),
    });
    if ('refused' in s) throw new Error(s.refused);
    expect(s.id).toBe('b1');
    expect(s.limit).toBe(20);
    expect(s.query).toEqual({
      project: 'alpha',
      statuses: new Set(['queued', 'failed']),
      labels: { vram: '80', zone: 'eu' },
    });
    expect(search('')).toEqual({ query: {}, id: '', limit: TASK_PAGE.default });
  });

  it.each([
    'status=done',
    'limit=0',
    `limit=${TASK_PAGE.max + 1}`,
    'limit=1.5',
    'label=vram',
    'label==1',
  ])('refuses %s', (query) => {
    expect(search(query)).toMatchObject({ refused: expect.any(String) as unknown });
  });
});

describe('a page of the task list', () => {
  const rows = [
    row('b1-0', 1),
    row('b3-0', 3),
    row('b2-0', 2, { status: 'completed' }),
    row('b1-1', 1, { index: 1 }),
  ];

  it('keeps the ids matching, newest first, at most the limit, and counts them all', () => {
    const page = taskListPage(rows, { query: {}, id: 'b1-', limit: 1 }, []);
    expect(page.rows.map((r) => r.taskId)).toEqual(['b1-1']);
    expect(page.total).toBe(2);
    const all = taskListPage(rows, { query: {}, id: '', limit: 10 }, []);
    expect(all.rows.map((r) => r.taskId)).toEqual(['b3-0', 'b2-0', 'b1-1', 'b1-0']);
  });

  it('says why a queued task waits when its demand’s groups agree, and nothing otherwise', () => {
    const one = taskListPage(rows, { query: {}, id: '', limit: 10 }, [
      group({ kind: 'no_workers' }),
    ]);
    expect(one.rows.map((r) => r.waiting)).toEqual([
      'no active worker',
      undefined, // completed: not waiting
      'no active worker',
      'no active worker',
    ]);
    const split = taskListPage(rows, { query: {}, id: '', limit: 10 }, [
      group({ kind: 'no_workers' }),
      group({ kind: 'workers_busy', eligibleWorkers: 2 }, 5_000),
    ]);
    expect(split.rows.map((r) => r.waiting)).toEqual([undefined, undefined, undefined, undefined]);
    const other = taskListPage(
      [row('b9-0', 9, { requirements: Requirements.parse({ models: ['phi'] }) })],
      { query: {}, id: '', limit: 10 },
      [group({ kind: 'no_workers' })],
    );
    expect(other.rows[0]?.waiting).toBeUndefined();
  });
});
