import { describe, expect, it } from 'vitest';
import type { LabelConstraint } from '../../events/index.ts';
import {
  FIXTURE_T0,
  fixtureItems,
  readFixture,
  seqOf,
} from '../../test/fixtures/audit/load-fixture.ts';
import { audit, Auditor } from './auditor.ts';
import type { AuditItem } from './audit-item.ts';
import { labelHolds } from './label-holds.ts';
import { parseLogPoint } from './log-point.ts';
import { unmetRequirements } from './unmet-requirements.ts';

const planted = readFixture('planted');
const clean = readFixture('clean');
const at = (mark: string, lines = planted) => seqOf(lines, mark);

/** Violations as `kind@seqs`, the shortest exact statement of what was found where. */
const found = (r: { violations: readonly { kind: string; seqs: readonly number[] }[] }) =>
  r.violations.map((v) => `${v.kind}@${v.seqs.join(',')}`);

describe('audit of a log with planted violations', () => {
  it('finds each planted violation, pinpointed by the sequences involved, and nothing else', async () => {
    const r = await audit(fixtureItems(planted));
    expect(r.ok).toBe(false);
    const enrolled = (w: string) =>
      planted.findIndex((l) => {
        const e = l.data as { type?: string; data?: { workerId?: string } };
        return e.type === 'worker.enrolled' && e.data?.workerId === w;
      }) + 1;
    expect(found(r)).toEqual([
      // A forged assignment of a health-prod task to fin-prod's worker.
      `cross_project@${enrolled('wf1')},9,${at('cross-project')}`,
      // wh2 offers vram "16"; the task asks for vram gte 40.
      `constraint_unmet@${enrolled('wh2')},9,${at('label-constraint')}`,
      // t1's attempt 1 (seq 11) was live.
      `double_assignment@11,${at('double-assignment')}`,
      // A non-holder's retryable failure was refused; the next attempt followed anyway.
      `refused_report_acted_on@16,${at('refused-failure')},${at('acted-on-refused-report')}`,
      `worker_not_active@${at('wh2-revoked')},${at('revoked-assignment')}`,
      `key_overuse@1,${at('key-overuse')}`,
      `enrollment_invalid@1,${at('overused-enrollment')}`,
      // A message on a submit subject that is not JSON.
      `invalid_message@${at('unreadable')}`,
      `ended_task_assigned@${at('t1-completed')},${at('ended-assignment')}`,
    ]);
  });

  it('counts refused reports by reason, never as violations: forged, retried, done twice', async () => {
    const r = await audit(fixtureItems(planted));
    const involved = new Set(r.violations.flatMap((v) => v.seqs));
    expect(involved.has(at('forged-report'))).toBe(false);
    expect(involved.has(at('retried-report'))).toBe(false);
    // wh1 was given the ended task again and completed it again: the decision is flagged above,
    // the second completion is a refused report.
    expect(involved.has(at('completed-twice'))).toBe(false);
    expect(r.counts.noEffect).toMatchObject({
      report_not_holder: 2,
      report_task_not_assigned: 1,
      completed_twice: 1,
    });
  });

  it('reports the events involved, counts by kind, unreadable messages and every task', async () => {
    const r = await audit(fixtureItems(planted));
    const cross = r.violations.find((v) => v.kind === 'cross_project');
    expect(cross?.events.map((e) => e.type)).toEqual([
      'worker.enrolled',
      'task.submitted',
      'task.assigned',
    ]);
    expect(cross?.detail).toMatch(/worker wf1 is of project fin-prod, the task of health-prod/);
    expect(r.counts).toMatchObject({
      messages: planted.length,
      unreadable: 1,
      unreadableByCode: { malformed_json: 1 },
      assignments: 9,
      effectiveAssignments: 3,
      violations: 9,
      tasks: { total: 6, queued: 3, assigned: 1, completed: 2 },
      workers: { total: 4, active: 3, revoked: 1 },
    });
    expect(r.counts.violationsByKind).toMatchObject({ cross_project: 1, double_assignment: 1 });
    expect(r.counts.violationsByKind.unfounded_abandon).toBe(0);
    // JSON prints it whole: no Maps, no Dates.
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('scoped to a project, sees only that tenant and says what it cannot check', async () => {
    const fin = await audit(fixtureItems(planted), { project: 'fin-prod' });
    expect(fin.ok).toBe(true);
    expect(fin.counts.tasks.total).toBe(1);
    expect(fin.counts.workers.total).toBe(1);
    expect(fin.scope.note).toMatch(/operator scope/);

    const health = await audit(fixtureItems(planted), { project: 'health-prod' });
    // fin-prod's worker is out of sight: the forged assignment shows as an unknown worker.
    const unknown = health.violations.find((v) => v.seqs.includes(at('cross-project')));
    expect(unknown?.kind).toBe('unknown_worker');
    expect(unknown?.detail).toMatch(/cross-project checks need operator scope/);
    expect(health.counts.tasks.total).toBe(5);
  });

  it('reports only the window asked for, judging it against the whole history before', async () => {
    const from = at('revoked-assignment');
    const r = await audit(fixtureItems(planted), { from, to: at('key-overuse') });
    expect(found(r)).toEqual([
      `worker_not_active@${at('wh2-revoked')},${from}`,
      `key_overuse@1,${at('key-overuse')}`,
    ]);
    // The window as read: its sequences and the server times of its first and last message.
    const t = (seq: number) => new Date(FIXTURE_T0 + (seq - 1) * 1000);
    expect(r.window).toEqual({
      from,
      to: at('key-overuse'),
      firstSeq: from,
      lastSeq: 25,
      firstAt: t(from).toISOString(),
      lastAt: t(25).toISOString(),
    });
    expect(r.counts.messages).toBe(2);

    // By server time: the same window.
    const byTime = await audit(fixtureItems(planted), { from: t(from), to: t(25) });
    expect(found(byTime)).toEqual(found(r));
    expect(byTime.window.from).toBe(t(from).toISOString());
  });

  it('stops reading at `to`', () => {
    const auditor = new Auditor({ to: 10 });
    const items = fixtureItems(planted);
    const taken = items.filter((i) => auditor.add(i)).length;
    expect(taken).toBe(10);
    expect(auditor.add(items[3] as AuditItem)).toBe(false);
    expect(auditor.state.position).toBe(10);
  });
});

describe('audit of a clean log', () => {
  it('passes, with every task accounted for, despite stale reports and decisions that lost races', async () => {
    const r = await audit(fixtureItems(clean));
    expect(r.violations).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.counts.tasks).toEqual({
      total: 10,
      queued: 1,
      assigned: 0,
      completed: 5,
      failed: 1,
      cancelled: 2,
      dead_lettered: 1,
      timed_out: 0,
    });
    expect(r.counts.workers).toEqual({
      total: 5,
      active: 2,
      draining: 0,
      left: 1,
      lost: 1,
      revoked: 1,
    });
    expect(r.counts.noEffect).toEqual({
      duplicate_submission: 1,
      report_stale_attempt: 1,
      report_task_not_assigned: 1,
      stale_decision: 2,
    });
    expect(r.counts.unreadable).toBe(0);
  });

  /** The clean log with the marked line's body rewritten. */
  const rewritten = (mark: string, edit: (json: string) => string) =>
    clean.map((l) =>
      l.mark === mark ? { ...l, data: JSON.parse(edit(JSON.stringify(l.data))) as unknown } : l,
    );

  it('flags a requeue whose reason does not hold, and the reassignment that followed it', async () => {
    const lines = rewritten('lost-requeue', (j) => j.replace('"worker_lost"}', '"worker_left"}'));
    const r = await audit(fixtureItems(lines));
    const requeue = seqOf(lines, 'lost-requeue');
    expect(r.violations.map((v) => v.kind)).toEqual(['unfounded_abandon', 'double_assignment']);
    expect(r.violations[0]?.seqs.at(-1)).toBe(requeue);
    expect(r.violations[0]?.detail).toMatch(/holder w3 is lost, not left/);
    expect(r.violations[1]?.seqs.at(-1)).toBe(requeue + 2);
  });

  it('flags a requeue of a last attempt (it must be dead-lettered)', async () => {
    const lines = rewritten('dead-letter', (j) =>
      j.replace('"task.dead_lettered"', '"task.requeued"'),
    );
    const r = await audit(fixtureItems(lines));
    const dead = seqOf(lines, 'dead-letter');
    // The refused requeue left w2 holding the attempt: what the dispatcher did next with w2 is
    // over its capacity, and so on down the line.
    expect(found(r).slice(0, 2)).toEqual([
      `unfounded_abandon@${dead - 1},${dead}`,
      `over_capacity@${dead - 1},${dead + 1}`,
    ]);
    expect(r.violations[0]?.detail).toMatch(/attempt 1 is the last of 1/);
  });
});

describe('parseLogPoint', () => {
  it('reads sequences and ISO times, and refuses anything else', () => {
    expect(parseLogPoint('42', '--from')).toBe(42);
    expect(parseLogPoint('2024-05-01T10:00:00Z', '--to')).toEqual(new Date('2024-05-01T10:00:00Z'));
    expect(parseLogPoint('2024-05-01', '--to')).toEqual(new Date('2024-05-01T00:00:00Z'));
    expect(() => parseLogPoint('0', '--from')).toThrow(/--from "0"/);
    expect(() => parseLogPoint('yesterday', '--from')).toThrow(/ISO time/);
    expect(() => parseLogPoint('12abc', '--to')).toThrow(/--to/);
  });
});

describe('the audit’s own label constraints', () => {
  const labels = { gpu: 'a100', vram: 80, mem: '16', flag: true, blank: '' };
  const cases: [LabelConstraint, boolean][] = [
    [{ key: 'gpu', op: 'eq', value: 'a100' }, true],
    [{ key: 'vram', op: 'eq', value: '80' }, true],
    [{ key: 'flag', op: 'eq', value: 'true' }, true],
    [{ key: 'gpu', op: 'eq', value: 'h100' }, false],
    [{ key: 'absent', op: 'eq', value: 'x' }, false],
    [{ key: 'gpu', op: 'neq', value: 'h100' }, true],
    [{ key: 'absent', op: 'neq', value: 'x' }, true],
    [{ key: 'gpu', op: 'neq', value: 'a100' }, false],
    [{ key: 'gpu', op: 'in', values: ['h100', 'a100'] }, true],
    [{ key: 'absent', op: 'in', values: ['x'] }, false],
    [{ key: 'gpu', op: 'notIn', values: ['a100'] }, false],
    [{ key: 'absent', op: 'notIn', values: ['x'] }, true],
    [{ key: 'blank', op: 'exists' }, true],
    [{ key: 'toString', op: 'exists' }, false],
    [{ key: 'toString', op: 'notExists' }, true],
    [{ key: 'vram', op: 'gt', value: 40 }, true],
    [{ key: 'mem', op: 'gte', value: 16 }, true],
    [{ key: 'mem', op: 'lt', value: 16 }, false],
    [{ key: 'mem', op: 'lte', value: 16 }, true],
    [{ key: 'gpu', op: 'gt', value: 1 }, false],
    [{ key: 'flag', op: 'gt', value: 0 }, false],
    [{ key: 'blank', op: 'lt', value: 1 }, false],
    [{ key: 'absent', op: 'lt', value: 1 }, false],
  ];
  it.each(cases)('%j is %s', (c, expected) => {
    expect(labelHolds(c, labels)).toBe(expected);
  });

  it('lists every unmet hard requirement, exclusive labels included', () => {
    const worker = {
      pool: 'gpu',
      models: ['llama'],
      labels: { gpu: 'a100', reserved: 'yes' },
      exclusive: ['reserved'],
      runtime: { kind: 'lambda' as const, maxDurationMs: 900_000, memoryMb: 1024 },
    };
    const task = {
      pool: 'cpu',
      timeoutMs: 1_000_000,
      requirements: {
        models: ['mistral'],
        labels: [{ key: 'gpu', op: 'eq' as const, value: 'h100' }],
        runtimes: ['docker' as const],
        memoryMb: 2048,
      },
    };
    expect(unmetRequirements(task as never, worker)).toEqual([
      'worker is in pool gpu, task in cpu',
      'serves none of the models mistral',
      'label gpu eq h100',
      'runtime lambda is none of docker',
      "timeout 1000000 ms exceeds the runtime's 900000 ms",
      'needs 2048 MB, the runtime offers 1024 MB',
      'exclusive label reserved not asked for',
    ]);
    const asks = {
      pool: 'gpu',
      timeoutMs: 1000,
      requirements: { labels: [{ key: 'reserved', op: 'exists' as const }] },
    };
    expect(unmetRequirements(asks, worker)).toEqual([]);
    const refuses = {
      ...asks,
      requirements: { labels: [{ key: 'reserved', op: 'notExists' as const }] },
    };
    expect(unmetRequirements(refuses, worker)).toEqual([
      'label reserved notExists',
      'exclusive label reserved not asked for',
    ]);
  });
});
