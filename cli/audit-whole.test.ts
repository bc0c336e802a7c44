import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import type { JetStreamManager } from '@nats-io/jetstream';
import { createOperator } from '@nats-io/nkeys';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { EventLog } from '../log/index.ts';
import type { AuditReport } from '../projections/audit/index.ts';
import { signRetention } from '../projections/audit/index.ts';
import { openAuthDir } from '../security/index.ts';
import { connectTest, uniqueName } from '../test/harness/index.ts';
import { appendFixture, readFixture } from '../test/fixtures/audit/load-fixture.ts';
import type { FixtureLine } from '../test/fixtures/audit/load-fixture.ts';
import { trimHead, unguardedStream } from '../test/support/stream-damage.ts';
import { runCaptured } from './run-captured.ts';

/**
 * Nine refused claims, then the clean log: the head can be removed without the fold missing
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

type Damage = (jsm: JetStreamManager, stream: string) => Promise<unknown>;

/**
 * A fresh stream holding the padded clean log, an auth folder, and `fleet` arguments. With
 * `damage`, the stream is made as an older Fleet made it (purge and delete allowed) and damaged
 * before `EventLog.open` guards it, as every `fleet` command then does.
 */
const stored = async (damage?: Damage) => {
  const nc: NatsConnection = await connectTest();
  const where = { stream: uniqueName('whole').toUpperCase(), root: uniqueName('whole') };
  cleanup.push(() => nc.close());
  if (damage !== undefined) {
    const jsm = await unguardedStream(nc, where);
    cleanup.push(() => jsm.streams.delete(where.stream).catch(() => undefined));
    await appendFixture(nc, where.root, lines);
    await damage(jsm, where.stream);
  }
  const log = await EventLog.open(nc, where);
  if (damage === undefined) {
    cleanup.push(() => log.jsm.streams.delete(log.stream).catch(() => undefined));
    await appendFixture(nc, log.subjects.root, lines);
  }
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
  const mark = (args: string[], dataDir: string, firstSeq: number, ...more: string[]) =>
    run([
      ...args,
      'retention',
      'mark',
      '--first-seq',
      String(firstSeq),
      '--reason',
      'reclaim space',
      '--data-dir',
      dataDir,
      ...more,
    ]);

  it('a purged head fails the audit until the operator signs a retention point for it', async () => {
    const { log, args, dataDir, operatorKey } = await stored((jsm, stream) =>
      jsm.streams.purge(stream, { seq: PAD + 1 }),
    );
    // Once a fleet command opened it, the stream refuses any further purge.
    await expect(log.jsm.streams.purge(log.stream)).rejects.toThrow(/purge not permitted/);
    const purged = await run([...args, 'audit', '--data-dir', dataDir]);
    expect(purged.code).toBe(1);
    expect(purged.out).toMatch(
      /^ {2}log_truncated {2}seq 1–9 missing {2}the stream starts at seq 10/m,
    );
    expect(purged.out).toMatch(/^FAIL: 1 violation$/m);

    const marked = await mark(args, dataDir, PAD + 1);
    expect(marked.err).toBe('');
    expect(marked.code).toBe(0);
    expect(marked.out).toMatch(new RegExp(`^retention point at seq ${lines.length + 1}: `, 'm'));

    const audited = await run([...args, 'audit', '--operator-key', operatorKey]);
    expect(audited.code).toBe(0);
    expect(audited.out).toMatch(
      /^retention +kept from seq 10 \(operator's point at seq \d+: reclaim space\)$/m,
    );
    expect(audited.out).toMatch(/^OK: the log is whole and every decision was legitimate/m);

    // Without the key, the point proves nothing.
    const unkeyed = await run([...args, 'audit', '--data-dir', join(dataDir, 'nowhere')]);
    expect(unkeyed.code).toBe(2);
    expect(unkeyed.err).toMatch(/no operator key/);
  });

  it('a point signed by another key covers nothing and is flagged itself', async () => {
    const { log, args, dataDir } = await stored((jsm, stream) =>
      jsm.streams.purge(stream, { seq: PAD + 1 }),
    );
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

  it('a head the stream’s limits removed is flagged unless a signed point covers it', async () => {
    const { log, args, dataDir, operatorKey } = await stored();
    expect((await run([...args, 'audit', '--data-dir', dataDir])).code).toBe(0);

    // The one removal a guarded stream allows: the operator's limit drops the oldest messages.
    expect(await trimHead(log.jsm, log.stream, lines.length - PAD)).toBe(PAD + 1);
    const trimmed = await run([...args, 'audit', '--data-dir', dataDir]);
    expect(trimmed.code).toBe(1);
    expect(trimmed.out).toMatch(
      /^ {2}log_truncated {2}seq 1–9 missing {2}the stream starts at seq 10: .*no retention point/m,
    );

    expect((await mark(args, dataDir, PAD + 1)).code).toBe(0);
    expect((await run([...args, 'audit', '--operator-key', operatorKey])).code).toBe(0);

    // A limit that later removes more than the point covers is flagged again.
    const { state } = await log.jsm.streams.info(log.stream);
    expect(await trimHead(log.jsm, log.stream, state.messages - 2)).toBe(PAD + 3);
    const past = await run([...args, 'audit', '--operator-key', operatorKey]);
    expect(past.code).toBe(1);
    expect(past.out).toMatch(
      /^ {2}log_truncated {2}seq 1–11 missing {2}.*point at seq \d+ covers only up to seq 9$/m,
    );
  });

  it('mark removes nothing, refuses --purge, and a point past the next sequence', async () => {
    const { log, args, dataDir } = await stored();
    const before = (await log.jsm.streams.info(log.stream)).state;
    const purge = await mark(args, dataDir, PAD + 1, '--purge');
    expect(purge.code).toBe(2);
    expect(purge.err).toMatch(/unknown option '--purge'/);

    const late = await mark(args, dataDir, before.last_seq + 5);
    expect(late.code).toBe(2);
    expect(late.err).toMatch(/past the stream's next sequence/);

    const marked = await mark(args, dataDir, PAD + 1);
    expect(marked.code).toBe(0);
    const after = (await log.jsm.streams.info(log.stream)).state;
    expect(after).toMatchObject({ first_seq: 1, messages: before.messages + 1 });
  });

  it('a stream purged whole fails, though it holds nothing', async () => {
    const { args, dataDir } = await stored((jsm, stream) => jsm.streams.purge(stream));
    const r = await run([...args, 'audit', '--data-dir', dataDir]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      new RegExp(
        `log_truncated {2}seq 1–${lines.length} missing {2}the stream starts at seq ${lines.length + 1}`,
      ),
    );
  });

  it('a message deleted from the middle is a gap, named by its sequences', async () => {
    const { args, dataDir } = await stored(async (jsm, stream) => {
      await jsm.streams.deleteMessage(stream, 4);
      await jsm.streams.deleteMessage(stream, 5);
    });
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
