import type { NatsConnection } from '@nats-io/transport-node';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { EventLog } from '../log/index.ts';
import type { PoolId, ProjectId, WorkerId } from '../events/index.ts';
import type { AuditReport, FleetStateAt } from '../projections/audit/index.ts';
import { connectTest, uniqueName } from '../test/harness/index.ts';
import { appendFixture, readFixture, seqOf } from '../test/fixtures/audit/load-fixture.ts';
import { runCaptured } from './run-captured.ts';

const planted = readFixture('planted');
const clean = readFixture('clean');

const open: { nc: NatsConnection; log: EventLog }[] = [];
afterEach(async () => {
  for (const { nc, log } of open.splice(0)) {
    await log.jsm.streams.delete(log.stream).catch(() => undefined);
    await nc.close();
  }
});

/** A fresh stream holding the fixture; returns `fleet` arguments that point at it. */
const stored = async (lines: typeof planted) => {
  const nc = await connectTest();
  const log = await EventLog.open(nc, {
    stream: uniqueName('cli').toUpperCase(),
    root: uniqueName('cli'),
  });
  open.push({ nc, log });
  await appendFixture(nc, log.subjects.root, lines);
  const args = ['--nats', inject('natsUrl'), '--root', log.subjects.root, '--stream', log.stream];
  return { log, args };
};

const run = async (args: string[]) => {
  const r = runCaptured(args);
  const code = await r.done;
  return { code, out: r.stdout(), err: r.stderr() };
};

describe('fleet audit', () => {
  it('exits 1 on a planted violation and names each one with its sequences', async () => {
    const { args } = await stored(planted);
    const r = await run([...args, 'audit']);
    expect(r.code).toBe(1);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^messages +29 \(32 events, 1 unreadable: malformed_json 1\)$/m);
    expect(r.out).toMatch(
      new RegExp(`^  cross_project  seq 8, 9, ${seqOf(planted, 'cross-project')}  task t3`, 'm'),
    );
    expect(r.out).toMatch(/^ {2}worker_not_active {2}seq 23, 24 {2}/m);
    expect(r.out).toMatch(/^FAIL: 9 violations$/m);
  });

  it('prints the report as JSON with --json', async () => {
    const { args } = await stored(planted);
    const r = await run([...args, 'audit', '--json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out) as AuditReport;
    expect(report.ok).toBe(false);
    expect(report.counts).toMatchObject({ messages: 29, violations: 9 });
    expect(report.violations[0]).toMatchObject({
      kind: 'cross_project',
      seqs: [8, 9, 14],
      events: [{ type: 'worker.enrolled' }, { type: 'task.submitted' }, { type: 'task.assigned' }],
    });
    expect(typeof report.violations[0]?.detail).toBe('string');
    expect(report.window).toEqual({
      firstSeq: 1,
      lastSeq: 29,
      firstAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/) as unknown,
      lastAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/) as unknown,
    });
  });

  it('exits 0 on a clean log, and on a tenant’s clean view of a dirty one', async () => {
    const good = await stored(clean);
    const r = await run([...good.args, 'audit']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^tasks +10: queued 1, completed 5, failed 1, cancelled 2, dead_lettered 1$/m,
    );
    expect(r.out).toMatch(/^OK: the log is whole and every decision was legitimate/m);

    const bad = await stored(planted);
    const fin = await run([...bad.args, 'audit', '--project', 'fin-prod']);
    expect(fin.code).toBe(0);
    expect(fin.out).toMatch(/^scope: project fin-prod — .*operator scope/m);
  });

  it('audits a window: --from and --to by sequence or time', async () => {
    const { args } = await stored(planted);
    const r = await run([...args, 'audit', '--from', '23', '--to', '25', '--json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out) as AuditReport;
    expect(report.violations.map((v) => v.kind)).toEqual(['worker_not_active', 'key_overuse']);
    expect(report.window).toMatchObject({ from: 23, to: 25, firstSeq: 23, lastSeq: 25 });

    const before = await run([...args, 'audit', '--to', '2000-01-01T00:00:00Z']);
    expect(before.code).toBe(0);
    expect(before.out).toMatch(/no messages/);

    const wrong = await run([...args, 'audit', '--from', 'last tuesday']);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toMatch(/--from "last tuesday"/);
  });
});

describe('fleet state', () => {
  it('rebuilds the fleet at a sequence, as text and as JSON', async () => {
    const { args } = await stored(clean);
    const at = seqOf(clean, 'lost-requeue') - 1;
    const text = await run([...args, 'state', '--at', String(at)]);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(new RegExp(`^state at seq ${at}: after seq ${at} \\(`, 'm'));
    expect(text.out).toMatch(
      /^w3 +health-prod +gpu +active +llama +zone=eu,vram=24 +docker +1\/1 a4$/m,
    );
    expect(text.out).toMatch(/^assigned tasks: 1$/m);

    const json = await run([...args, 'state', '--at', String(at), '--json']);
    const state = JSON.parse(json.out) as FleetStateAt;
    expect(state.position).toBe(at);
    expect(state.assigned).toMatchObject([{ taskId: 'a4', workerId: 'w3', attempt: 1 }]);
    expect(state.workers.map((w) => w.workerId)).toEqual(['w1', 'w2', 'w3', 'wx', 'wf']);

    const tenant = await run([...args, 'state', '--at', '1000', '--project', 'fin-prod', '--json']);
    expect((JSON.parse(tenant.out) as FleetStateAt).workers.map((w) => w.workerId)).toEqual(['wf']);
  });

  it('requires --at', async () => {
    const { args } = await stored(clean);
    const r = await run([...args, 'state']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--at/);
  });
});

describe('fleet events', () => {
  it('prints a task’s history one line per event, with what each did', async () => {
    const { args } = await stored(planted);
    const r = await run([...args, 'events', '--task', 't1', '--project', 'health-prod']);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines.map((l) => Number(l.trim().split(' ')[0]))).toEqual([9, 11, 17, 19, 20, 28, 29]);
    expect(lines[1]).toMatch(
      /^ +11 {2}\d{4}-\d\d-\d\dT[\d:.]+Z {2}task\.assigned +task t1 in health-prod\/gpu → worker wh1 attempt 1 lease until 2100-01-01T00:00:00\.000Z$/,
    );
    expect(lines[2]).toMatch(/\[VIOLATION double_assignment\]$/);
    expect(lines[4]).toMatch(/\[no effect: report_task_not_assigned\]$/);
  });

  it('prints a worker’s history as JSON lines', async () => {
    const { args } = await stored(planted);
    const r = await run([...args, 'events', '--worker', 'wh2', '--json']);
    expect(r.code).toBe(0);
    const events = r.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number; type: string; effect: string; reason?: string });
    expect(events.map((e) => [e.seq, e.type])).toEqual([
      [5, 'key.used'],
      [6, 'worker.enrolled'],
      [15, 'task.assigned'],
      [17, 'task.assigned'],
      [18, 'task.completed'],
      [21, 'task.failed'],
      [22, 'task.assigned'],
      [23, 'worker.revoked'],
      [24, 'task.assigned'],
    ]);
    expect(events[4]).toMatchObject({ effect: 'none', reason: 'report_not_holder' });
    expect(events[7]).toMatchObject({ effect: 'applied' });
  });

  it('refuses --task with --worker', async () => {
    const { args } = await stored(clean);
    const r = await run([...args, 'events', '--task', 'a1', '--worker', 'w1']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot be used with/);
  });

  it('--follow keeps printing new events until interrupted', async () => {
    const { log, args } = await stored(clean);
    const stop = new AbortController();
    const r = runCaptured([...args, 'events', '--worker', 'w1', '--follow'], {
      signal: stop.signal,
    });
    await expect.poll(() => r.stdout(), { timeout: 10_000 }).toMatch(/task a4 .*attempt 2/);
    const project = 'health-prod' as ProjectId;
    const pool = 'gpu' as PoolId;
    await log.append(log.subjects.report(project, pool, 'w1' as WorkerId), {
      type: 'worker.draining',
      data: { workerId: 'w1', project, pool },
      meta: { at: Date.now() },
    });
    await expect
      .poll(() => r.stdout(), { timeout: 10_000 })
      .toMatch(/worker\.draining +worker w1 in health-prod\/gpu$/m);
    stop.abort();
    expect(await r.done).toBe(0);
    expect(r.stderr()).toMatch(/following the log/);
  });
});
