import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { createOperator } from '@nats-io/nkeys';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { EventLog } from '../actors/host/event-log.ts';
import type { AuditReport } from '../projections/audit/index.ts';
import { signRetention } from '../projections/audit/index.ts';
import { openAuthDir } from '../security/index.ts';
import { connectTest, uniqueName } from '../test/harness/index.ts';
import { appendFixture, readFixture } from '../test/fixtures/audit/load-fixture.ts';
import type { FixtureLine } from '../test/fixtures/audit/load-fixture.ts';
import { runCaptured } from './run-captured.ts';

/**
 * Nine refused claims, then the clean log: the head can be purged without the fold missing
 * anything later messages depend on, so only the log check has something to say.
 */
const PAD = 9;
const refusedClaim: FixtureLine = {
  subject: 'fleet.health-prod.gpu.rejected',
  data: {
    type: 'claim.rejected',
    data: { workerId: 'ghost', project: 'health-prod', pool: 'gpu', reason: 'unknown_worker' },
    meta: { at: 1 },
  },
};
const lines = [...Array.from({ length: PAD }, () => refusedClaim), ...readFixture('clean')];

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const undo of cleanup.splice(0).reverse()) await undo();
});

/** A fresh stream holding the padded clean log, an auth folder, and `fleet` arguments. */
const stored = async () => {
  const nc: NatsConnection = await connectTest();
  const log = await EventLog.open(nc, {
    stream: uniqueName('whole').toUpperCase(),
    root: uniqueName('whole'),
  });
  cleanup.push(
    () => nc.close(),
    () => log.jsm.streams.delete(log.stream).catch(() => undefined),
  );
  await appendFixture(nc, log.subjects.root, lines);
  const dataDir = await mkdtemp(join(tmpdir(), 'fleet-audit-'));
  cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
  const auth = await openAuthDir(dataDir, { create: true });
  const args = ['--nats', inject('natsUrl'), '--root', log.subjects.root, '--stream', log.stream];
  return { log, args, dataDir, operatorKey: auth.material.operator.getPublicKey() };
};

const run = async (args: string[]) => {
  const r = runCaptured(args);
  const code = await r.done;
  return { code, out: r.stdout(), err: r.stderr() };
};

const kinds = (out: string) => (JSON.parse(out) as AuditReport).violations.map((v) => v.kind);

describe('fleet audit proves the log is whole', () => {
  it('a purged head fails the audit until the operator signs a retention point for it', async () => {
    const { log, args, dataDir, operatorKey } = await stored();
    expect((await run([...args, 'audit', '--data-dir', dataDir])).code).toBe(0);

    await log.jsm.streams.purge(log.stream, { seq: PAD + 1 });
    const purged = await run([...args, 'audit', '--data-dir', dataDir]);
    expect(purged.code).toBe(1);
    expect(purged.out).toMatch(
      /^ {2}log_truncated {2}seq 1–9 missing {2}the stream starts at seq 10/m,
    );
    expect(purged.out).toMatch(/^FAIL: 1 violation$/m);

    const mark = await run([
      ...args,
      'retention',
      'mark',
      '--first-seq',
      String(PAD + 1),
      '--reason',
      'reclaim space',
      '--data-dir',
      dataDir,
    ]);
    expect(mark.err).toBe('');
    expect(mark.code).toBe(0);
    expect(mark.out).toMatch(new RegExp(`^retention point at seq ${lines.length + 1}: `, 'm'));

    const marked = await run([...args, 'audit', '--operator-key', operatorKey]);
    expect(marked.code).toBe(0);
    expect(marked.out).toMatch(
      /^retention +kept from seq 10 \(operator's point at seq \d+: reclaim space\)$/m,
    );
    expect(marked.out).toMatch(/^OK: the log is whole and every decision was legitimate/m);

    // Without the key, the point proves nothing.
    const unkeyed = await run([...args, 'audit', '--data-dir', join(dataDir, 'nowhere')]);
    expect(unkeyed.code).toBe(2);
    expect(unkeyed.err).toMatch(/no operator key/);
  });

  it('a point signed by another key covers nothing and is flagged itself', async () => {
    const { log, args, dataDir } = await stored();
    await log.jsm.streams.purge(log.stream, { seq: PAD + 1 });
    const forger = createOperator();
    const fields = { stream: log.stream, firstSeq: PAD + 1, reason: 'trust me', at: Date.now() };
    const { seq } = await log.append(log.subjects.retention(), {
      type: 'retention.point',
      data: {
        ...fields,
        operator: forger.getPublicKey(),
        signature: signRetention((d) => forger.sign(d), log.subjects.root, fields),
      },
      meta: { at: fields.at },
    });
    const r = await run([...args, 'audit', '--data-dir', dataDir, '--json']);
    expect(r.code).toBe(1);
    expect(kinds(r.out)).toEqual(['log_truncated', 'invalid_message']);
    const report = JSON.parse(r.out) as AuditReport;
    expect(report.violations[1]).toMatchObject({ seqs: [seq] });
    expect(report.violations[1]?.detail).toMatch(/not by the operator key/);
  });

  it('mark --purge stores the point, then purges: the audit stays clean', async () => {
    const { log, args, dataDir } = await stored();
    const mark = await run([
      ...args,
      'retention',
      'mark',
      '--first-seq',
      String(PAD + 1),
      '--reason',
      'reclaim space',
      '--purge',
      '--data-dir',
      dataDir,
    ]);
    expect(mark.code).toBe(0);
    expect(mark.out).toMatch(/^purged 9 messages before seq 10$/m);
    const { state } = await log.jsm.streams.info(log.stream);
    expect(state.first_seq).toBe(PAD + 1);
    expect((await run([...args, 'audit', '--data-dir', dataDir])).code).toBe(0);

    const late = await run([
      ...args,
      'retention',
      'mark',
      '--first-seq',
      String(state.last_seq + 5),
      '--reason',
      'x',
      '--data-dir',
      dataDir,
    ]);
    expect(late.code).toBe(2);
    expect(late.err).toMatch(/past the stream's next sequence/);
  });

  it('a stream purged whole fails, though it holds nothing', async () => {
    const { log, args, dataDir } = await stored();
    await log.jsm.streams.purge(log.stream);
    const r = await run([...args, 'audit', '--data-dir', dataDir]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      new RegExp(
        `log_truncated {2}seq 1–${lines.length} missing {2}the stream starts at seq ${lines.length + 1}`,
      ),
    );
  });

  it('a message deleted from the middle is a gap, named by its sequences', async () => {
    const { log, args, dataDir } = await stored();
    await log.jsm.streams.deleteMessage(log.stream, 4);
    await log.jsm.streams.deleteMessage(log.stream, 5);
    const r = await run([...args, 'audit', '--data-dir', dataDir, '--json']);
    expect(r.code).toBe(1);
    expect((JSON.parse(r.out) as AuditReport).violations).toMatchObject([
      { kind: 'log_gap', seqs: [3, 6], missing: { from: 4, to: 5 } },
    ]);
  });

  it('a message that is not a valid event of its subject fails; bad input exits 2', async () => {
    const { log, args, dataDir } = await stored();
    const subject = `${log.subjects.root}.health-prod.gpu.submit`;
    const { seq } = await jetstream(log.nc).publish(subject, '{"type":');
    const r = await run([...args, 'audit', '--data-dir', dataDir]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      new RegExp(`^ {2}invalid_message {2}seq ${seq} {2}.*malformed_json`, 'm'),
    );

    const bad = await run([...args, 'audit', '--operator-key', 'nonsense']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--operator-key "nonsense" is not an operator public key/);
  });
});
