import type { NatsConnection } from '@nats-io/transport-node';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { EventLog } from '../../log/index.ts';
import type { ProjectId } from '../../events/index.ts';
import { runMultiTenant } from '../../examples/multi-tenant.ts';
import { connectTest, uniqueName } from '../../test/harness/index.ts';
import {
  appendFixture,
  fixtureItems,
  readFixture,
} from '../../test/fixtures/audit/load-fixture.ts';
import type { AuditItem } from './audit-item.ts';
import { audit, Auditor } from './auditor.ts';
import { readLog } from './read-log.ts';

const open: { nc: NatsConnection; log: EventLog }[] = [];
afterEach(async () => {
  for (const { nc, log } of open.splice(0)) {
    await log.jsm.streams.delete(log.stream).catch(() => undefined);
    await nc.close();
  }
});

const freshLog = async (stream = uniqueName('au').toUpperCase(), root = uniqueName('au')) => {
  const nc = await connectTest();
  const log = await EventLog.open(nc, { stream, root });
  open.push({ nc, log });
  return log;
};

/** Reads the whole log (as of now) through an ordered consumer. */
const readAll = async (log: EventLog, filter?: string): Promise<AuditItem[]> => {
  const items: AuditItem[] = [];
  await readLog(
    log,
    (item) => {
      items.push(item);
      return undefined;
    },
    filter === undefined ? {} : { filter },
  );
  return items;
};

describe('audit of a stored stream', () => {
  it('finds the planted violations at the sequences they were stored at', async () => {
    const log = await freshLog();
    const lines = readFixture('planted');
    const seqs = await appendFixture(log.nc, log.subjects.root, lines);
    expect(seqs).toEqual(lines.map((_, i) => i + 1));

    const items = await readAll(log);
    expect(items.map((i) => i.seq)).toEqual(seqs);
    const stored = await audit(items);
    const expected = await audit(fixtureItems(lines));
    expect(stored.violations.map((v) => [v.kind, v.seqs])).toEqual(
      expected.violations.map((v) => [v.kind, v.seqs]),
    );
    expect(stored.counts.unreadable).toBe(1);
  });

  it('reads a project’s subjects only, and stops where they end', async () => {
    const log = await freshLog();
    await appendFixture(log.nc, log.subjects.root, readFixture('planted'));
    const fin = await readAll(log, log.subjects.project('fin-prod' as ProjectId));
    // Key, its use, the enrollment, the submission, the assignment and the report.
    expect(fin.map((i) => i.seq)).toEqual([2, 7, 8, 10, 12, 13]);
    expect((await audit(fin, { project: 'fin-prod' })).ok).toBe(true);
  });

  it('stops reading when the audit is past `to`', async () => {
    const log = await freshLog();
    await appendFixture(log.nc, log.subjects.root, readFixture('planted'));
    const auditor = new Auditor({ to: 5 });
    const { read } = await readLog(log, (item) => auditor.add(item));
    expect(read).toBe(6); // the sixth told the reader to stop
    expect(auditor.state.position).toBe(5);
  });

  it('an empty stream audits clean', async () => {
    const log = await freshLog();
    const report = await audit(await readAll(log));
    expect(report.ok).toBe(true);
    expect(report.counts.messages).toBe(0);
  });

  it('a log produced by running the multi-tenant example audits clean, every task accounted for', async () => {
    const stream = uniqueName('mt').toUpperCase();
    const root = uniqueName('mt');
    const result = await runMultiTenant({
      natsUrl: inject('natsUrl'),
      root,
      stream,
      log: () => undefined,
    });
    expect(result.problems).toEqual([]);
    const log = await freshLog(stream, root);
    const report = await audit(await readAll(log));
    expect(report.violations).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.counts.tasks).toMatchObject({ total: 40, completed: 40, queued: 0, assigned: 0 });
    expect(report.counts.workers).toMatchObject({ total: 4, left: 4 });
    expect(report.counts.keys).toBe(4);
    expect(report.counts.effectiveAssignments).toBe(40);
    expect(report.counts.unreadable).toBe(0);
    // Each tenant, on its own, accounts for its half.
    for (const project of ['health-prod', 'fin-prod']) {
      const own = await audit(await readAll(log, log.subjects.project(project as ProjectId)), {
        project,
      });
      expect(own.ok).toBe(true);
      expect(own.counts.tasks).toMatchObject({ total: 20, completed: 20 });
    }
  });
});
