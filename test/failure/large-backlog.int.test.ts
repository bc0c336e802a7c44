import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDispatcher } from '../../actors/dispatcher/dispatcher.ts';
import { EventLog } from '../../log/index.ts';
import type { Heal, ReadOptions } from '../../log/index.ts';
import type { CatchUpProgress } from '../../actors/host/index.ts';
import { startRegistrar } from '../../actors/registrar/index.ts';
import { readWorkers } from '../../cli/read-workers.ts';
import { submitTasks } from '../../client/index.ts';
import { encode } from '../../events/index.ts';
import type { PoolId, ProjectId, WorkerId } from '../../events/index.ts';
import { readStream } from '../../examples/read-stream.ts';
import { Auditor, readLog } from '../../projections/audit/index.ts';
import { startProjections } from '../../projections/index.ts';
import { startNatsServer, uniqueName } from '../harness/index.ts';

const PROJECT = 'health-prod' as ProjectId;
const POOL = 'gpu' as PoolId;
/** The server's buffer per connection: a backlog of many times this must still be read. */
const MAX_PENDING = 1024 * 1024;
const TASKS = 8_000;
const TASKS_PER_MESSAGE = 100;
const PAYLOAD = 'x'.repeat(2_000);
const REPORTS = 40;

let url = '';
let deployment = { root: '', stream: '' };
let last = 0;
let reportSubject = '';
const connections: NatsConnection[] = [];
const open = async (name: string) => {
  const nc = await connect({ servers: url, name, maxReconnectAttempts: -1 });
  connections.push(nc);
  return nc;
};
/** The log on a connection of its own, as a process of its own would have it. */
const logOn = async (name: string, heals: Heal[], read: ReadOptions = {}) =>
  EventLog.open(await open(name), {
    ...deployment,
    read: { ...read, onHeal: (h) => heals.push(h) },
  });

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  await Promise.all(connections.map((nc) => nc.close()));
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fleet-backlog-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const conf = join(dir, 'server.conf');
  // A pull of 1,024 such messages at once is 20 times the buffer: the server would drop the
  // reader as a slow consumer and count the whole pull as delivered.
  await writeFile(conf, `max_pending: ${MAX_PENDING}\nmax_payload: ${256 * 1024}\n`);
  const server = await startNatsServer({ args: ['-c', conf] });
  cleanups.push(() => server.stop());
  url = server.url;
  deployment = {
    root: uniqueName('backlog'),
    stream: uniqueName('backlog').toUpperCase(),
  };
  // The backlog: large submissions, and large reports (refused by the fold, still read).
  const producer = await open('producer');
  const log = await logOn('writer', []);
  for (let from = 0; from < TASKS; from += TASKS_PER_MESSAGE)
    await submitTasks(
      producer,
      Array.from({ length: TASKS_PER_MESSAGE }, (_, i) => ({
        taskId: `t${from + i}`,
        project: PROJECT,
        pool: POOL,
        requirements: { models: ['m'] },
        payload: { text: PAYLOAD },
      })),
      { root: deployment.root },
    );
  const js = jetstream(producer);
  reportSubject = log.subjects.report(PROJECT, POOL, 'w1' as WorkerId);
  for (let i = 0; i < REPORTS; i += 1)
    await js.publish(
      reportSubject,
      encode({
        type: 'task.completed',
        data: {
          taskId: `t${i}`,
          project: PROJECT,
          pool: POOL,
          workerId: 'w1',
          attempt: 1,
          output: PAYLOAD.repeat(50),
        },
        meta: { at: Date.now() },
      }),
    );
  last = await log.lastSeq();
  const info = await log.jsm.streams.info(log.stream);
  expect(info.state.bytes).toBeGreaterThan(15 * MAX_PENDING);
}, 120_000);

describe('a backlog far larger than the server buffers per connection', () => {
  it(
    'is read to its end by the dispatcher, the registrar, the projections, the audit and every other reader',
    { timeout: 120_000 },
    async () => {
      // `fleet up`: the registrar, then the dispatcher, on one connection; the HUD on another.
      const heals: Heal[] = [];
      const actors = await logOn('actors', heals);
      const errors: unknown[] = [];
      const registrar = await startRegistrar({ log: actors, onError: (e) => errors.push(e) });
      cleanups.push(() => registrar.stop());
      const progress: CatchUpProgress[] = [];
      const dispatcher = await startDispatcher({
        log: actors,
        pool: POOL,
        onError: (e) => errors.push(e),
        // Reading and folding 20 MB takes far longer than this: it says how far it is meanwhile.
        progressEveryMs: 20,
        onProgress: (p) => progress.push(p),
      });
      cleanups.push(() => dispatcher.stop());
      expect(dispatcher.host.position).toBe(last);
      expect(progress.length).toBeGreaterThan(0);
      for (const p of progress) {
        expect(p).toMatchObject({ actor: `dispatcher.${POOL}`, target: last });
        expect(p.position).toBeLessThanOrEqual(last);
      }
      const tasks = [...dispatcher.host.state.tasks.values()];
      expect(tasks.length).toBe(TASKS);
      expect(tasks.every((t) => t.status === 'queued')).toBe(true);

      const projections = await startProjections({
        log: await logOn('hud', heals),
        checkpoints: false,
        onError: (e) => errors.push(e),
      });
      cleanups.push(() => projections.stop());
      expect(projections.position()).toBe(last);

      // `fleet audit`, `fleet events`, `fleet state`, `fleet workers list` and the example reader.
      const tools = await logOn('tools', heals);
      const auditor = new Auditor();
      const audited = await readLog(tools, (item) => {
        auditor.add(item);
        return undefined;
      });
      expect(audited.read).toBe(last);
      expect(auditor.report().counts.tasks.total).toBe(TASKS);
      const reports = await readLog(tools, () => undefined, { filter: reportSubject });
      expect(reports.read).toBe(REPORTS);
      expect((await readStream(tools)).length).toBe(last);
      expect(await readWorkers(tools, {})).toEqual([]);

      expect(errors).toEqual([]);
      await dispatcher.stop();
      await registrar.stop();
      await projections.stop();
    },
  );

  it(
    'reopens a read whose pulls the connection cannot carry, tells why, and reads it all',
    { timeout: 120_000 },
    async () => {
      const heals: Heal[] = [];
      // Pulls of 4 MiB on a connection the server buffers 1 MiB of: dropped as a slow consumer.
      const greedy = await logOn('greedy', heals, {
        maxBytes: 4 * MAX_PENDING,
        stallCheckMs: 500,
      });
      const read = await readLog(greedy, () => undefined);
      expect(read.read).toBe(last);
      expect(heals.length).toBeGreaterThan(0);
      for (const h of heals) {
        expect(['stalled', 'gap', 'disconnected']).toContain(h.reason);
        expect(h.from).toBeGreaterThanOrEqual(1);
        expect(h.from).toBeLessThanOrEqual(last);
      }
    },
  );
});
