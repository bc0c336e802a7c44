import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { EventLog } from '../log/index.ts';
import { openAuthDir } from '../security/index.ts';
import { connectTest, uniqueName } from '../test/harness/index.ts';
import { appendFixture } from '../test/fixtures/audit/load-fixture.ts';
import type { FixtureLine } from '../test/fixtures/audit/load-fixture.ts';
import { runCaptured } from './run-captured.ts';

/** Refused claims only: a head of them can go without any later message depending on it. */
const refusedClaim: FixtureLine = {
  subject: 'fleet.health-prod.gpu.rejected',
  data: {
    type: 'claim.rejected',
    data: { workerId: 'ghost', project: 'health-prod', pool: 'gpu', reason: 'unknown_worker' },
    meta: { at: 1 },
  },
};

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const undo of cleanup.splice(0).reverse()) await undo();
});

describe('fleet audit of a stream whose limits removed its head', () => {
  it('names the window and the signed limits record that explains the head', async () => {
    const nc = await connectTest();
    cleanup.push(() => nc.close());
    const where = { stream: uniqueName('audlim').toUpperCase(), root: uniqueName('audlim') };
    const first = await EventLog.open(nc, where);
    cleanup.push(() => first.jsm.streams.delete(first.stream).catch(() => undefined));
    await appendFixture(
      nc,
      where.root,
      Array.from({ length: 40 }, () => refusedClaim),
    );
    const dataDir = await mkdtemp(join(tmpdir(), 'fleet-audlim-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const { operator } = (await openAuthDir(dataDir, { create: true })).material;
    // As `fleet up --secure --max-bytes` does: the server drops the head, the record follows.
    const log = await EventLog.open(nc, { ...where, limits: { maxBytes: 4_096 }, operator });
    const { state } = await log.jsm.streams.info(log.stream);
    expect(state.first_seq).toBeGreaterThan(1);
    expect(state.last_seq).toBe(41);

    const r = runCaptured([
      ...['--nats', inject('natsUrl'), '--root', where.root, '--stream', where.stream],
      ...['audit', '--data-dir', dataDir],
    ]);
    expect(await r.done).toBe(0);
    const out = r.stdout();
    expect(out).toMatch(new RegExp(`^audit of .*: seq ${state.first_seq}–41 \\(stored `, 'm'));
    expect(out).toContain(
      `retention    kept from seq ${state.first_seq}: seq 1–${state.first_seq - 1} removed by ` +
        `the stream's limits (max bytes 4,096, recorded at seq 41, signed by ` +
        `${operator.getPublicKey()}), not tampering`,
    );
    expect(out).toMatch(/^OK: the log is whole/m);
  });
});
