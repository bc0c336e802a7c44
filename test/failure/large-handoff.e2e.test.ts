import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitTasks } from '../../client/index.ts';
import type { PoolId, ProjectId, WorkerId } from '../../events/index.ts';
import { EventLog } from '../../log/index.ts';
import { projectionBucket } from '../../projections/index.ts';
import { startProjections } from '../../projections/start-projections.ts';
import { startNatsServer, uniqueName } from '../harness/index.ts';
import type { NatsServerHandle } from '../harness/index.ts';
import { spawnFleet } from '../support/spawn-fleet.ts';

// The issue: `fleet top --once` and `fleet costs` printed nothing for minutes on an idle fleet
// whose HUD had saved the projections' checkpoints; it ended only once they were saved afresh.
// The cause: behind the checkpoints lay large messages, and a read pulling 1,024 of them at
// once outgrew the server's buffer for the connection. The server dropped the reader as a slow
// consumer and counted the pull as delivered; a command's connection does not come back, so the
// read waited for good. Here the HUD saves, large submissions follow, and the real CLI reads.

const PROJECT = 'health-prod' as ProjectId;
const POOL = 'gpu' as PoolId;
/** The server's buffer per connection: what follows the checkpoints is many times this. */
const MAX_PENDING = 1024 * 1024;
const BATCHES = 40;
const TASKS_PER_BATCH = 100;
const PAYLOAD = 'x'.repeat(2_000);

let server: NatsServerHandle;
let nc: NatsConnection;
let log: EventLog;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fleet-handoff-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const conf = join(dir, 'server.conf');
  await writeFile(conf, `max_pending: ${MAX_PENDING}\nmax_payload: ${256 * 1024}\n`);
  server = await startNatsServer({ args: ['-c', conf] });
  cleanups.push(() => server.stop());
  nc = await connect({ servers: server.url, name: 'writer' });
  cleanups.push(() => nc.close());
  log = await EventLog.open(nc, {
    stream: uniqueName('handoff').toUpperCase(),
    root: uniqueName('handoff'),
  });
  const bucket = projectionBucket(log.stream, log.subjects.root);
  cleanups.push(async () => (await new Kvm(nc).open(bucket)).destroy());
}, 60_000);
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

/** `n` tasks submitted, assigned and completed at $0.50 each. */
const work = async (from: number, n: number) => {
  const s = log.subjects;
  const at = () => ({ at: Date.now() });
  for (let i = from; i < from + n; i += 1) {
    const taskId = `t${i}`;
    const ref = { taskId, project: PROJECT, pool: POOL, workerId: 'w1', attempt: 1 };
    await log.append(s.submit(PROJECT, POOL), {
      type: 'task.submitted',
      data: { taskId, project: PROJECT, pool: POOL, requirements: { models: ['llama'] } },
      meta: at(),
    });
    await log.append(s.dispatch(PROJECT, POOL), {
      type: 'task.assigned',
      data: { ...ref, leaseExpiresAt: Date.now() + 60_000 },
      meta: at(),
    });
    await log.append(s.report(PROJECT, POOL, 'w1' as WorkerId), {
      type: 'task.completed',
      data: { ...ref, usage: { tokensIn: 10, tokensOut: 5, costUsd: 0.5, durationMs: 10 } },
      meta: at(),
    });
  }
};

/** What the HUD does: fold the stream on a connection of its own, save checkpoints on stop. */
const hudSaves = async () => {
  const own = await connect({ servers: server.url, name: 'hud' });
  try {
    const hudLog = await EventLog.open(own, { stream: log.stream, root: log.subjects.root });
    const p = await startProjections({ log: hudLog, checkpointEvery: 1 });
    const position = p.position();
    await p.stop();
    return position;
  } finally {
    await own.close();
  }
};

describe('checkpoints followed by more than the server buffers per connection', () => {
  it('are read past by `fleet costs` within its --wait', { timeout: 150_000 }, async () => {
    await log.append(log.subjects.member(PROJECT, POOL, 'w1' as WorkerId), {
      type: 'worker.enrolled',
      data: {
        workerId: 'w1',
        project: PROJECT,
        pool: POOL,
        keyId: 'k1',
        models: ['llama'],
        capacity: 1,
      },
      meta: { at: Date.now() },
    });
    await work(0, 10);
    expect(await hudSaves()).toBe(31);

    // After the checkpoints: submissions of ~200 KB each, 8 MB in all, then more completions.
    for (let b = 0; b < BATCHES; b += 1)
      await submitTasks(
        nc,
        Array.from({ length: TASKS_PER_BATCH }, (_, i) => ({
          taskId: `big${b * TASKS_PER_BATCH + i}`,
          project: PROJECT,
          pool: POOL,
          requirements: { models: ['m'] },
          payload: { text: PAYLOAD },
        })),
        { root: log.subjects.root },
      );
    await work(10, 5);
    const last = await log.lastSeq();
    expect(last).toBe(31 + BATCHES + 15);
    const info = await log.jsm.streams.info(log.stream);
    expect(info.state.bytes).toBeGreaterThan(6 * MAX_PENDING);

    const started = Date.now();
    const run = spawnFleet([
      '--nats',
      server.url,
      '--stream',
      log.stream,
      '--root',
      log.subjects.root,
      'costs',
      '--json',
      '--wait',
      '60s',
    ]);
    const { code } = await run.exited;
    const slow = server
      .output()
      .split('\n')
      .filter((l) => /slow consumer/i.test(l));
    const seen = [
      `exit ${String(code)} after ${Date.now() - started} ms`,
      `stdout: ${run.stdout()}`,
      `stderr: ${run.stderr()}`,
      `server: ${slow.join('\n') || 'no slow consumer'}`,
    ].join('\n');
    expect(code, seen).toBe(0);
    const out = JSON.parse(run.stdout()) as { position: number; total: { completed: number } };
    expect({ position: out.position, completed: out.total.completed }, seen).toEqual({
      position: last,
      completed: 15,
    });
  });
});
