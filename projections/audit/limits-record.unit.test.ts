import { createOperator } from '@nats-io/nkeys';
import type { KeyPair } from '@nats-io/nkeys';
import { describe, expect, it } from 'vitest';
import { decode, encode } from '../../events/index.ts';
import type { StreamLimits } from '../../events/index.ts';
import { limitsRecord } from '../../log/record-limits.ts';
import { fixtureItems, readFixture } from '../../test/fixtures/audit/load-fixture.ts';
import type { AuditItem } from './audit-item.ts';
import { Auditor } from './auditor.ts';

/**
 * A recorded `retention.limits` explains a head the stream's limits removed: with an operator
 * key only the one it signed, without one any record, or else the stream's configuration.
 */
// Three refused claims first: nothing later depends on them, so only the log check speaks.
const refusedClaim = {
  subject: 'fleet.health-prod.gpu.rejected',
  data: {
    type: 'claim.rejected',
    data: { workerId: 'ghost', project: 'health-prod', pool: 'gpu', reason: 'unknown_worker' },
    meta: { at: 1 },
  },
};
const clean = fixtureItems([refusedClaim, refusedClaim, refusedClaim, ...readFixture('clean')]);
const operator = createOperator();
const intruder = createOperator();
const START = 4; // the head the limits removed: seq 1–3
const kept = clean.filter((i) => i.seq >= START);
const last = clean.length;
const DAY = 86_400_000;

/** A limits record stored at `seq`, signed by `by` (unsigned when undefined), for `stream`. */
const record = (seq: number, by: KeyPair | undefined, stream = 'FLEET'): AuditItem => {
  const event = limitsRecord('fleet', stream, { maxAgeMs: DAY }, 1, by);
  const decoded = decode('fleet._ops.retention', encode(event));
  if (!decoded.ok) throw new Error(decoded.error.message);
  const at = 1_800_000_000_000;
  return {
    subject: 'fleet._ops.retention',
    seq,
    at,
    entry: { seq, at, events: decoded.value.events },
  };
};

/** Audits the kept messages and then `extra`, on a stream configured with `limits`. */
const auditOf = (extra: AuditItem[], operatorKey?: string, limits: StreamLimits = {}) => {
  const auditor = new Auditor({
    stream: 'FLEET',
    ...(operatorKey === undefined ? {} : { operatorKey }),
  });
  auditor.start({ firstSeq: START, lastSeq: last + extra.length, messages: 0, limits });
  for (const item of [...kept, ...extra]) auditor.add(item);
  return auditor.report();
};
const kinds = (r: { violations: readonly { kind: string }[] }) => r.violations.map((v) => v.kind);

describe('a recorded limit explains the head it removed', () => {
  it('a record signed by the operator explains it, and the report names it', () => {
    const r = auditOf([record(last + 1, operator)], operator.getPublicKey());
    expect(r.violations).toEqual([]);
    expect(r.retainedByLimits).toEqual({
      firstSeq: START,
      maxAgeMs: DAY,
      recordSeq: last + 1,
      signedBy: operator.getPublicKey(),
    });
    expect(r.window).toMatchObject({ firstSeq: START, lastSeq: last + 1 });
  });

  it('with an operator key, a forged or unsigned record explains nothing and is named', () => {
    for (const by of [intruder, undefined]) {
      const r = auditOf([record(last + 1, by)], operator.getPublicKey(), { maxAgeMs: DAY });
      expect(r.ok).toBe(false);
      expect(r.retainedByLimits).toBeUndefined();
      expect(kinds(r)).toEqual(['log_truncated', 'invalid_message']);
      expect(r.violations[0]?.detail).toMatch(/configured with limits, but nothing on it shows/);
      expect(r.violations[1]?.detail).toMatch(
        by === undefined ? /unsigned/ : /not by the operator key/,
      );
    }
  });

  it('a record for another stream explains nothing', () => {
    const r = auditOf([record(last + 1, operator, 'OTHER')], operator.getPublicKey());
    expect(kinds(r)).toEqual(['log_truncated']);
  });

  it('with an operator key and no record, the configuration alone explains nothing', () => {
    const r = auditOf([], operator.getPublicKey(), { maxAgeMs: DAY });
    expect(kinds(r)).toEqual(['log_truncated']);
  });

  it('without an operator key: an unsigned record counts, else the configuration as before', () => {
    const unsigned = auditOf([record(last + 1, undefined)]);
    expect(unsigned.ok).toBe(true);
    expect(unsigned.retainedByLimits).toEqual({
      firstSeq: START,
      maxAgeMs: DAY,
      recordSeq: last + 1,
    });
    const configured = auditOf([], undefined, { maxBytes: 1_048_576 });
    expect(configured.ok).toBe(true);
    expect(configured.retainedByLimits).toEqual({ firstSeq: START, maxBytes: 1_048_576 });
    expect(kinds(auditOf([]))).toEqual(['log_truncated']);
  });
});
