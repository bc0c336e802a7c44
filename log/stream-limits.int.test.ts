/**
 * The stream's age and size limits on the real server (nats-server 2.9.10 here): set on
 * creation and on an existing stream, honoured (the server removes the head, never refuses an
 * append), and an audit of what is left states the window it proves and takes the missing head
 * for retention by the limits, not for tampering.
 */
import { createOperator } from '@nats-io/nkeys';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { PoolId, ProjectId } from '../events/index.ts';
import { Auditor, readLog } from '../projections/audit/index.ts';
import type { AuditReport } from '../projections/audit/index.ts';
import { connectTest, uniqueName } from '../test/harness/index.ts';
import { EventLog } from './event-log.ts';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const undo of cleanup.splice(0).reverse()) await undo();
});

const admin = async (): Promise<NatsConnection> => {
  const nc = await connectTest();
  cleanup.push(() => nc.close());
  return nc;
};
const location = () => ({ stream: uniqueName('lim').toUpperCase(), root: uniqueName('lim') });

/** Appends `n` valid events of about 300 bytes each, one message each. */
const appendSome = async (log: EventLog, n: number, from = 0) => {
  for (let i = from; i < from + n; i += 1)
    await log.append(log.subjects.submit('health-prod' as ProjectId, 'gpu' as PoolId), {
      type: 'task.submitted',
      data: {
        taskId: `t${i}`,
        project: 'health-prod',
        pool: 'gpu',
        requirements: { models: ['llama'] },
        payload: { pad: 'x'.repeat(200) },
      },
      meta: { at: Date.now() },
    });
};

const auditOf = async (log: EventLog, operatorKey?: string): Promise<AuditReport> => {
  const auditor = new Auditor({
    stream: log.stream,
    ...(operatorKey === undefined ? {} : { operatorKey }),
  });
  await readLog(log, (item) => auditor.add(item), { onStart: (e) => auditor.start(e) });
  return auditor.report();
};

/** Polls the stream's state until `done` holds (the server expires by age on its own timer). */
const until = async (log: EventLog, done: (s: { first_seq: number }) => boolean) => {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { state } = await log.jsm.streams.info(log.stream);
    if (done(state)) return state;
    if (Date.now() > deadline) throw new Error(`the stream still starts at ${state.first_seq}`);
    await new Promise((r) => setTimeout(r, 200));
  }
};

describe('the stream’s limits', () => {
  it('a byte limit: the oldest messages go, every append is taken, the audit says retention', async () => {
    const nc = await admin();
    const log = await EventLog.open(nc, { ...location(), limits: { maxBytes: 8_192 } });
    cleanup.push(() => log.jsm.streams.delete(log.stream));
    const { config } = await log.jsm.streams.info(log.stream);
    // Read back as set: the server kept every field (none silently dropped).
    expect(config).toMatchObject({ max_bytes: 8_192, max_age: 0, discard: 'old' });
    await appendSome(log, 60);
    const { state } = await log.jsm.streams.info(log.stream);
    // The limits' record came first (seq 1), then the 60 appends.
    expect(state.last_seq).toBe(61);
    expect(state.first_seq).toBeGreaterThan(1);
    expect(state.bytes).toBeLessThanOrEqual(8_192);
    const report = await auditOf(log);
    expect(report.violations).toEqual([]);
    expect(report.ok).toBe(true);
    // The record went with the head it explains: without an operator key the configuration
    // still does.
    expect(report.retainedByLimits).toEqual({ firstSeq: state.first_seq, maxBytes: 8_192 });
    expect(report.window).toMatchObject({ firstSeq: state.first_seq, lastSeq: 61 });
    expect(report.window.firstAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('an age limit set on an existing stream: messages older go, the audit proves the rest', async () => {
    const nc = await admin();
    const where = location();
    const first = await EventLog.open(nc, where);
    cleanup.push(() => first.jsm.streams.delete(first.stream));
    await appendSome(first, 5);
    // Before any limit, a missing head could only be tampering: nothing is missing yet.
    expect((await auditOf(first)).ok).toBe(true);
    const log = await EventLog.open(nc, { ...where, limits: { maxAgeMs: 1_500 } });
    const { config } = await log.jsm.streams.info(log.stream);
    expect(config).toMatchObject({
      max_age: 1_500_000_000,
      duplicate_window: 1_500_000_000,
      max_bytes: -1,
      discard: 'new',
      deny_purge: true,
      deny_delete: true,
    });
    // The limits' record (seq 6) ages out too: the configuration explains the head.
    await until(log, (s) => s.first_seq > 6);
    await appendSome(log, 3, 5);
    const report = await auditOf(log);
    expect(report.violations).toEqual([]);
    expect(report.retainedByLimits).toEqual({ firstSeq: 7, maxAgeMs: 1_500 });
    expect(report.window).toMatchObject({ firstSeq: 7, lastSeq: 9 });
    // Lifted again: a head missing with no limit in force is flagged, as before.
    const lifted = await EventLog.open(nc, { ...where, limits: {} });
    const after = await auditOf(lifted);
    expect(after.ok).toBe(false);
    expect(after.violations.map((v) => v.kind)).toEqual(['log_truncated']);
  });

  it('a limit the operator signed explains the head it removes; a forged one does not', async () => {
    const nc = await admin();
    const where = location();
    const operator = createOperator();
    const first = await EventLog.open(nc, where);
    cleanup.push(() => first.jsm.streams.delete(first.stream));
    await appendSome(first, 40);
    // Set on a stream already past the limit: the server removes the head at once, and the
    // record lands after what is kept.
    const log = await EventLog.open(nc, { ...where, limits: { maxBytes: 8_192 }, operator });
    const state = await until(log, (s) => s.first_seq > 1);
    expect(state.last_seq).toBe(41);
    const stored = await log.jsm.streams.getMessage(log.stream, { seq: 41 });
    expect(stored?.subject).toBe(log.subjects.retention());
    const report = await auditOf(log, operator.getPublicKey());
    expect(report.violations).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.retainedByLimits).toEqual({
      firstSeq: state.first_seq,
      maxBytes: 8_192,
      recordSeq: 41,
      signedBy: operator.getPublicKey(),
    });
    expect(report.window).toMatchObject({ firstSeq: state.first_seq, lastSeq: 41 });
    // The same limits again: unsigned, nothing to record; signed, the record is renewed.
    await EventLog.open(nc, { ...where, limits: { maxBytes: 8_192 } });
    expect((await log.jsm.streams.info(log.stream)).state.last_seq).toBe(41);
    await EventLog.open(nc, { ...where, limits: { maxBytes: 8_192 }, operator });
    expect((await auditOf(log, operator.getPublicKey())).retainedByLimits?.recordSeq).toBe(42);

    // The same change recorded by another key: the head is truncation, the record a forgery.
    const other = location();
    const plain = await EventLog.open(nc, other);
    cleanup.push(() => plain.jsm.streams.delete(plain.stream));
    await appendSome(plain, 40);
    const forged = await EventLog.open(nc, {
      ...other,
      limits: { maxBytes: 8_192 },
      operator: createOperator(),
    });
    await until(forged, (s) => s.first_seq > 1);
    const refused = await auditOf(forged, operator.getPublicKey());
    expect(refused.ok).toBe(false);
    expect(refused.retainedByLimits).toBeUndefined();
    expect(refused.violations.map((v) => v.kind)).toEqual(['log_truncated', 'invalid_message']);
    expect(refused.violations[1]?.detail).toMatch(/limits record not the operator's/);
  });
});
