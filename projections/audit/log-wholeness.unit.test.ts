import { createOperator } from '@nats-io/nkeys';
import { describe, expect, it } from 'vitest';
import { decode, encode } from '../../events/index.ts';
import type { FleetEventInput } from '../../events/index.ts';
import { fixtureItems, readFixture } from '../../test/fixtures/audit/load-fixture.ts';
import type { AuditItem } from './audit-item.ts';
import { audit, Auditor } from './auditor.ts';
import { signRetention } from './retention-signature.ts';

/**
 * The clean log behind nine refused claims: messages nothing later depends on, so that the
 * fold finds nothing wrong once they are removed and only the log check speaks.
 */
const PAD = 9;
const refusedClaim = {
  subject: 'fleet.health-prod.gpu.rejected',
  data: {
    type: 'claim.rejected',
    data: { workerId: 'ghost', project: 'health-prod', pool: 'gpu', reason: 'unknown_worker' },
    meta: { at: 1 },
  },
};
const clean = fixtureItems([
  ...Array.from({ length: PAD }, () => refusedClaim),
  ...readFixture('clean'),
]);
const operator = createOperator();
const intruder = createOperator();

const kinds = (r: { violations: readonly { kind: string }[] }) => r.violations.map((v) => v.kind);

/** The clean log from `from` on, as a stream purged up to there would hold it. */
const from = (seq: number): AuditItem[] => clean.filter((i) => i.seq >= seq);

/** A retention point stored at `seq`, signed by `by` for `stream`. */
const point = (seq: number, firstSeq: number, by = operator, stream = 'FLEET'): AuditItem => {
  const fields = { stream, firstSeq, reason: 'reclaim space', at: 1 };
  const event: FleetEventInput = {
    type: 'retention.point',
    data: {
      ...fields,
      operator: operator.getPublicKey(),
      signature: signRetention((d) => by.sign(d), 'fleet', fields),
    },
    meta: { at: 1 },
  };
  const decoded = decode('fleet._ops.retention', encode(event));
  if (!decoded.ok) throw new Error(decoded.error.message);
  const at = 1_800_000_000_000;
  const entry = { seq, at, events: decoded.value.events };
  return { subject: 'fleet._ops.retention', seq, at, entry };
};

const last = clean.length;
const options = { stream: 'FLEET', operatorKey: operator.getPublicKey() };

describe('the audit proves the log is whole', () => {
  it('a log from seq 1 without gaps is whole', async () => {
    expect((await audit(clean, options)).ok).toBe(true);
  });

  it('a log that starts past 1 without a retention point is truncated', async () => {
    const r = await audit(from(10), options);
    expect(kinds(r)).toEqual(['log_truncated']);
    expect(r.violations[0]?.missing).toEqual({ from: 1, to: 9 });
    expect(r.violations[0]?.detail).toMatch(/no retention point signed by the operator covers it/);
  });

  it('a retention point signed by the operator covers the head it names, and no more', async () => {
    const r = await audit([...from(10), point(last + 1, 10)], options);
    expect(r.violations).toEqual([]);
    expect(r.retention).toMatchObject({ seq: last + 1, firstSeq: 10 });

    const short = await audit([...from(10), point(last + 1, 5)], options);
    expect(kinds(short)).toEqual(['log_truncated']);
    expect(short.violations[0]?.detail).toMatch(/covers only up to seq 4/);
  });

  it('a forged point, or one for another stream, covers nothing and is itself a violation', async () => {
    const forged = await audit([...from(10), point(last + 1, 10, intruder)], options);
    expect(kinds(forged)).toEqual(['log_truncated', 'invalid_message']);
    expect(forged.violations[1]?.detail).toMatch(/signature does not verify/);

    const other = await audit([...from(10), point(last + 1, 10, operator, 'OTHER')], options);
    expect(kinds(other)).toEqual(['log_truncated', 'invalid_message']);
    expect(other.violations[1]?.detail).toMatch(/about stream OTHER, not FLEET/);
  });

  it('without the operator key a point proves nothing, and the audit says why', async () => {
    const r = await audit([...from(10), point(last + 1, 10)], { stream: 'FLEET' });
    expect(kinds(r)).toEqual(['log_truncated']);
    expect(r.violations[0]?.detail).toMatch(/could not be checked: no operator key/);
  });

  it('names the sequences missing between two messages', async () => {
    const r = await audit(
      clean.filter((i) => i.seq < 3 || i.seq > 5),
      options,
    );
    expect(kinds(r)).toEqual(['log_gap']);
    expect(r.violations[0]).toMatchObject({ seqs: [2, 6], missing: { from: 3, to: 5 } });
  });

  it('a stream purged whole is truncated, though it holds nothing', () => {
    const auditor = new Auditor(options);
    auditor.start({ firstSeq: 36, lastSeq: 35, messages: 0 });
    const r = auditor.report();
    expect(kinds(r)).toEqual(['log_truncated']);
    expect(r.violations[0]?.detail).toMatch(/starts at seq 36: seq 1–35 removed/);
  });

  it('a read that ends before the stream’s last message is never clean', () => {
    const auditor = new Auditor(options);
    auditor.start({ firstSeq: 1, lastSeq: last + 5, messages: last + 5 });
    for (const item of clean) auditor.add(item);
    const r = auditor.report();
    expect(kinds(r)).toEqual(['read_incomplete']);
    expect(r.violations[0]?.missing).toEqual({ from: last + 1, to: last + 5 });

    // Stopping at `to` is asked for: what was read is whole.
    const window = new Auditor({ ...options, to: 10 });
    window.start({ firstSeq: 1, lastSeq: last, messages: last });
    for (const item of clean) if (!window.add(item)) break;
    expect(window.report().ok).toBe(true);
  });

  it('a project’s view checks its messages, not the stream’s sequence', async () => {
    const r = await audit(from(10), { ...options, project: 'health-prod' });
    expect(r.ok).toBe(true);
    expect(r.scope.note).toMatch(/no message is missing from the log, needs operator scope/);
  });
});
