import { describe, expect, it } from 'vitest';
import {
  FIXTURE_T0,
  fixtureItems,
  readFixture,
  seqOf,
} from '../../test/fixtures/audit/load-fixture.ts';
import type { AuditItem } from './audit-item.ts';
import { stateAt } from './rebuild-state.ts';

const clean = readFixture('clean');
const items = fixtureItems(clean);
const seq = (mark: string) => seqOf(clean, mark);
const timeOf = (s: number) => new Date(FIXTURE_T0 + (s - 1) * 1000);

const brief = (s: Awaited<ReturnType<typeof stateAt>>) => ({
  workers: s.workers.map((w) => `${w.workerId}:${w.status}:${w.holds.join('+')}`),
  queued: s.queued.map((t) => `${t.project}/${t.taskId}`),
  assigned: s.assigned.map((t) => `${t.project}/${t.taskId}@${t.workerId}#${t.attempt}`),
});

describe('stateAt', () => {
  it('rebuilds workers and the queue as they stood right after the submissions', async () => {
    const s = await stateAt(items, { at: seq('duplicate-submission') });
    expect(s.position).toBe(seq('duplicate-submission'));
    expect(brief(s)).toEqual({
      workers: ['w1:active:', 'w2:active:', 'w3:active:', 'wx:active:', 'wf:active:'],
      // Priority first (a8 has 5), then age; the duplicate did not make a second a1.
      queued: [
        'health-prod/a8',
        ...['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'ax'].map((t) => `health-prod/${t}`),
      ],
      assigned: [],
    });
    const w1 = s.workers[0];
    expect(w1?.labels).toEqual({ zone: 'eu', vram: 48 });
    expect(w1?.capacity).toBe(2);
    expect(s.ended).toEqual({
      completed: 0,
      failed: 0,
      cancelled: 0,
      dead_lettered: 0,
      timed_out: 0,
    });
  });

  it('shows who held what in the middle of the run, and who had been lost', async () => {
    // Right after the lost worker's task went back to the queue.
    const s = await stateAt(items, { at: seq('lost-requeue') });
    expect(brief(s).workers).toEqual([
      'w1:active:',
      'w2:active:',
      'w3:lost:',
      'wx:active:',
      'wf:active:',
    ]);
    expect(brief(s).assigned).toEqual([]);
    expect(s.queued.find((t) => t.taskId === 'a4')).toMatchObject({ attempts: 1 });
    expect(s.ended).toMatchObject({ completed: 2, failed: 1 });

    // One message earlier the lost worker still held it.
    const before = await stateAt(items, { at: seq('lost-requeue') - 1 });
    expect(brief(before).assigned).toEqual(['health-prod/a4@w3#1']);
    expect(brief(before).workers).toContain('w3:active:a4');
  });

  it('takes a time as well as a sequence, and the end of the log when the point is past it', async () => {
    const bySeq = await stateAt(items, { at: seq('stale-report') });
    const byTime = await stateAt(items, { at: timeOf(seq('stale-report')) });
    expect(byTime).toEqual(bySeq);
    expect(byTime.time).toBe(timeOf(seq('stale-report')).toISOString());
    expect(brief(byTime).assigned).toEqual(['health-prod/a1@w2#2']);

    const end = await stateAt(items, { at: 1_000_000 });
    expect(end.position).toBe(items.length);
    expect(brief(end)).toMatchObject({ queued: ['health-prod/a8'], assigned: [] });
    expect(brief(end).workers).toEqual([
      'w1:active:',
      'w2:left:',
      'w3:lost:',
      'wx:revoked:',
      'wf:active:',
    ]);
    expect(end.ended).toEqual({
      completed: 5,
      failed: 1,
      cancelled: 2,
      dead_lettered: 1,
      timed_out: 0,
    });

    const origin = await stateAt(items, { at: new Date(FIXTURE_T0 - 1) });
    expect(origin).toMatchObject({ position: 0, workers: [], queued: [], assigned: [] });
  });

  it('scoped to a project, shows that tenant only', async () => {
    const s = await stateAt(items, { at: items.length, project: 'fin-prod' });
    expect(s.project).toBe('fin-prod');
    expect(brief(s)).toEqual({ workers: ['wf:active:'], queued: [], assigned: [] });
    expect(s.ended.completed).toBe(1);
  });

  it('reads an async source too, and stops reading past the point', async () => {
    let pulled = 0;
    async function* source(): AsyncGenerator<AuditItem> {
      for (const item of items) {
        pulled += 1;
        await Promise.resolve();
        yield item;
      }
    }
    const s = await stateAt(source(), { at: 10 });
    expect(s.position).toBe(10);
    expect(pulled).toBe(11);
  });
});
