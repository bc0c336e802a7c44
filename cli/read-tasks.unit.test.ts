import { describe, expect, it } from 'vitest';
import type { ProjectId } from '../events/index.ts';
import { matchesFilter, pageOf } from './read-tasks.ts';
import type { TaskRow } from './read-tasks.ts';

const row = (taskId: string, seq: number, index: number, over: Partial<TaskRow> = {}): TaskRow => ({
  taskId,
  project: 'health-prod',
  pool: 'gpu',
  status: 'queued',
  priority: 0,
  requirements: { labels: [] },
  attempts: 0,
  maxAttempts: 3,
  workerId: null,
  submittedSeq: seq,
  index,
  submittedAt: seq * 1_000,
  endedAt: null,
  ...over,
});

describe('pageOf', () => {
  // Two tasks of one batch message (seq 2) and one each before and after.
  const rows = [row('a', 1, 0), row('b', 2, 0), row('c', 2, 1), row('d', 3, 0)];

  it('pages newest first, a batch in reverse order of its lines, without skipping or repeating', () => {
    const seen: string[] = [];
    let page = pageOf(rows, 3);
    seen.push(...page.rows.map((r) => r.taskId));
    expect(page.next).toEqual({ seq: 2, index: 0 });
    page = pageOf(rows, 3, page.next ?? undefined);
    seen.push(...page.rows.map((r) => r.taskId));
    expect(page.next).toBeNull();
    expect(seen).toEqual(['d', 'c', 'b', 'a']);
    expect(pageOf(rows, 4).next).toBeNull();
  });
});

describe('matchesFilter', () => {
  const vram = row('v', 1, 0, {
    requirements: { labels: [{ key: 'vram', op: 'gte', value: 40 }] },
  });

  it('a label matches when the task constrains the key and every constraint accepts the value', () => {
    expect(matchesFilter(vram, { labels: { vram: '80' } })).toBe(true);
    expect(matchesFilter(vram, { labels: { vram: '24' } })).toBe(false);
    expect(matchesFilter(vram, { labels: { zone: 'eu' } })).toBe(false);
    expect(matchesFilter(vram, { labels: {} })).toBe(true);
  });

  it('narrows by project, status and submission time', () => {
    expect(matchesFilter(vram, { project: 'fin-prod' as ProjectId })).toBe(false);
    expect(matchesFilter(vram, { statuses: new Set(['completed']) })).toBe(false);
    expect(matchesFilter(vram, { statuses: new Set() })).toBe(true);
    expect(matchesFilter(vram, { since: 1_000, until: 1_001 })).toBe(true);
    expect(matchesFilter(vram, { until: 1_000 })).toBe(false);
  });
});
