import { describe, expect, it } from 'vitest';
import { parseSubject, subjects } from '../../events/index.ts';
import type { EventOf, EventType, KeyId, ProjectId } from '../../events/index.ts';
import { enrolled, ev, P, POOL, submitted } from '../../test/support/builders.ts';
import { audit } from './auditor.ts';
import type { AuditItem } from './audit-item.ts';

const s = subjects();
const T0 = 1_700_000_000_000;
type E = EventOf<EventType>;

/** Where the contract stores each event (the audit checks an event agrees with its subject). */
const subjectOf = (e: E): string => {
  const d = e.data as Record<string, string>;
  const project = (d['project'] ?? P.health) as ProjectId;
  const pool = POOL as never;
  switch (e.type) {
    case 'task.submitted':
      return s.submit(project, pool);
    case 'task.assigned':
      return s.dispatch(project, pool);
    case 'worker.enrolled':
      return s.member(project, pool, d['workerId'] as never);
    case 'task.completed':
    case 'worker.left':
      return s.report(project, pool, d['workerId'] as never);
    case 'key.issued':
    case 'key.used':
      return s.key(project, d['keyId'] as KeyId);
    default:
      return s.launch(project, pool);
  }
};

/** One message per event, from seq 1, a second apart. */
const items = (events: readonly E[]): AuditItem[] =>
  events.map((e, i) => {
    const seq = i + 1;
    const at = T0 + i * 1000;
    const subject = subjectOf(e);
    if (!parseSubject(subject).ok) throw new Error(`bad subject ${subject}`);
    return { subject, seq, at, entry: { seq, at, events: [e] } };
  });

const requested = (launchId: string, taskId: string, foldedSeq: number, over = {}) =>
  ev('launch.requested', {
    launchId: `l${launchId.padStart(16, '0')}`,
    project: P.health,
    pool: POOL,
    taskId,
    template: 'fn',
    runtime: 'lambda',
    keyId: `kl${launchId}`,
    cost: 1,
    reason: 'cold launch: no live worker fits',
    maxConcurrent: 1,
    foldedSeq,
    ...over,
  });
const keyIssued = (launchId: string, over = {}) =>
  ev('key.issued', {
    keyId: `kl${launchId}`,
    project: P.health,
    pool: POOL,
    models: ['llama'],
    maxUses: 1,
    expiresAt: T0 + 3_600_000,
    secretHash: 'a'.repeat(64),
    ...over,
  });
const keyUsed = (launchId: string, workerId: string, use = 1) =>
  ev('key.used', { keyId: `kl${launchId}`, project: P.health, workerId, use });
const started = (launchId: string, workerId: string) =>
  ev('launch.started', {
    launchId: `l${launchId.padStart(16, '0')}`,
    project: P.health,
    pool: POOL,
    workerId,
  });
const assigned = (taskId: string, workerId: string) =>
  ev('task.assigned', {
    taskId,
    project: P.health,
    pool: POOL,
    workerId,
    attempt: 1,
    leaseExpiresAt: T0 + 600_000,
  });
const completed = (taskId: string, workerId: string) =>
  ev('task.completed', { taskId, project: P.health, pool: POOL, workerId, attempt: 1 });
const left = (workerId: string) => ev('worker.left', { workerId, project: P.health, pool: POOL });

/** One launch from request to its worker's leaving, for task `taskId` (decided on `foldedSeq`). */
const wholeLaunch = (id: string, taskId: string, foldedSeq: number): E[] => [
  requested(id, taskId, foldedSeq),
  keyIssued(id),
  keyUsed(id, `wl${id}`),
  enrolled(`wl${id}`, { keyId: `kl${id}` }),
  started(id, `wl${id}`),
  assigned(taskId, `wl${id}`),
  completed(taskId, `wl${id}`),
  left(`wl${id}`),
];

/** The launch violations found, as `kind@seqs` (warm workers' keys are not in these logs). */
const found = async (events: readonly E[]) =>
  (await audit(items(events))).violations
    .filter((v) => v.kind.startsWith('launch_'))
    .map((v) => `${v.kind}@${v.seqs.join(',')}`);

describe('the audit re-derives the provisioners’ rule', () => {
  it('finds nothing in launches the rule allows, one after another within the limit', async () => {
    const log = [submitted('t1'), ...wholeLaunch('1', 't1', 1), submitted('t2')];
    log.push(...wholeLaunch('2', 't2', log.length));
    const r = await audit(items(log));
    expect(r.violations).toEqual([]);
    expect(r.counts.launches).toEqual({ 'launch.requested': 2, 'launch.started': 2 });
  });

  it('flags a launch for a task that was not queued when it was decided', async () => {
    expect(
      await found([
        enrolled('w1'),
        submitted('t1'),
        assigned('t1', 'w1'),
        // Decided on seq 3: t1 was assigned by then.
        requested('1', 't1', 3),
      ]),
    ).toEqual(['launch_unfounded@4']);
  });

  it('flags a launch for a task a free live worker fitted, but not one freed after the decision', async () => {
    expect(await found([enrolled('w1'), submitted('t1'), requested('1', 't1', 2)])).toEqual([
      'launch_unfounded@1,2,3',
    ]);
    // The worker enrolled after the decision point: the provisioner could not have seen it.
    expect(await found([submitted('t1'), enrolled('w1'), requested('1', 't1', 1)])).toEqual([]);
    // A worker of another project, or one that does not fit, is no reason not to launch.
    expect(
      await found([
        enrolled('wf', { project: P.fin }),
        enrolled('wg', { models: ['gpt'] }),
        submitted('t1'),
        requested('1', 't1', 3),
      ]),
    ).toEqual([]);
  });

  it('does not count a launched worker bound to another kind of task as free', async () => {
    const log = [
      submitted('t1', { timeoutMs: 60_000 }),
      requested('1', 't1', 1, { maxConcurrent: 5 }),
      keyIssued('1'),
      keyUsed('1', 'wl1'),
      enrolled('wl1', { keyId: 'kl1' }),
      started('1', 'wl1'),
      submitted('t2', { timeoutMs: 120_000 }),
    ];
    // t2 is of another demand (its timeout): wl1, idle, will not take it.
    expect(await found([...log, requested('2', 't2', log.length, { maxConcurrent: 5 })])).toEqual(
      [],
    );
    // A task of t1's own demand: wl1 with room fits it, so a second launch is unfounded.
    const same = [...log.slice(0, 6), submitted('t3', { timeoutMs: 60_000 })];
    expect(await found([...same, requested('3', 't3', same.length, { maxConcurrent: 5 })])).toEqual(
      ['launch_unfounded@5,7,8'],
    );
  });

  it('flags a launch over its template’s maxConcurrent, and frees room when a worker leaves', async () => {
    expect(
      await found([
        submitted('t1'),
        submitted('t2'),
        requested('1', 't1', 2),
        requested('2', 't2', 3),
      ]),
    ).toEqual(['launch_over_limit@3,4']);
    // A failed launch holds no room.
    const failed = ev('launch.failed', {
      launchId: 'l0000000000000001',
      project: P.health,
      pool: POOL,
      code: 'runtime_unavailable',
      message: 'no engine',
      retryAt: T0,
    });
    expect(
      await found([
        submitted('t1'),
        submitted('t2'),
        requested('1', 't1', 2),
        failed,
        requested('2', 't2', 4),
      ]),
    ).toEqual([]);
  });

  it('flags a start with no request, twice, or by a worker of another key', async () => {
    expect(await found([enrolled('w1'), started('9', 'w1')])).toEqual(['launch_unfounded@2']);
    const log = [submitted('t1'), requested('1', 't1', 1), keyIssued('1'), keyUsed('1', 'wl1')];
    expect(
      await found([
        ...log,
        enrolled('wl1', { keyId: 'kl1' }),
        started('1', 'wl1'),
        started('1', 'wl1'),
      ]),
    ).toEqual(['launch_unfounded@2,6,7']);
    expect(await found([...log, enrolled('wx', { keyId: 'k1' }), started('1', 'wx')])).toEqual([
      // wx enrolled with another key, then was named as the launch's worker.
      'launch_unfounded@2,5,6',
    ]);
  });

  it('flags a launch key that is not single use, of another pool, used twice or issued before', async () => {
    const base = [submitted('t1'), requested('1', 't1', 1)];
    expect(await found([...base, keyIssued('1', { maxUses: 3 })])).toEqual([
      'launch_key_invalid@2,3',
    ]);
    expect(await found([...base, keyIssued('1', { pool: 'cpu' })])).toEqual([
      'launch_key_invalid@2,3',
    ]);
    expect(
      await found([
        ...base,
        keyIssued('1', { maxUses: 2 }),
        keyUsed('1', 'wl1'),
        keyUsed('1', 'wl2', 2),
      ]),
    ).toEqual(['launch_key_invalid@2,3', 'launch_key_invalid@2,5']);
    expect(await found([keyIssued('1'), submitted('t1'), requested('1', 't1', 2)])).toEqual([
      'launch_key_invalid@1,3',
    ]);
  });
});
