import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, describe, expect, it } from 'vitest';
import { startDispatcher } from '../../actors/dispatcher/dispatcher.ts';
import type { Dispatcher } from '../../actors/dispatcher/dispatcher.ts';
import { taskKey } from '../../domain/pool/index.ts';
import { EventLog } from '../../log/index.ts';
import { issueKey, startRegistrar } from '../../actors/registrar/index.ts';
import type { Registrar } from '../../actors/registrar/index.ts';
import { createWorker } from '../../actors/worker/index.ts';
import type { Worker } from '../../actors/worker/index.ts';
import { submitTasks } from '../../client/index.ts';
import { UnavailableError } from '../../events/index.ts';
import type { PoolId, ProjectId } from '../../events/index.ts';
import { readStream } from '../../examples/read-stream.ts';
import { Auditor } from '../../projections/audit/index.ts';
import { startNatsServer, uniqueName } from '../harness/index.ts';
import type { NatsServerHandle } from '../harness/index.ts';

const PROJECT = 'health-prod' as ProjectId;
const POOL = 'gpu' as PoolId;
/** Every client reconnects for as long as it takes, quickly. */
const RECONNECT = { maxReconnectAttempts: -1, reconnectTimeWait: 100 } as const;

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

describe('a nats-server restart in the middle of a run', () => {
  it(
    'finishes every task, assigns no attempt twice, and the audit finds nothing wrong',
    { timeout: 90_000 },
    async () => {
      const storeDir = await mkdtemp(join(tmpdir(), 'fleet-restart-'));
      cleanups.push(() => rm(storeDir, { recursive: true, force: true }));
      let server: NatsServerHandle = await startNatsServer({ storeDir });
      cleanups.push(() => server.stop());
      const { url, port } = server;
      const connections: NatsConnection[] = [];
      const open = async (name: string) => {
        const nc = await connect({ servers: url, name, ...RECONNECT, noAsyncTraces: true });
        connections.push(nc);
        return nc;
      };
      cleanups.push(() => Promise.all(connections.map((nc) => nc.close())));

      const deployment = {
        root: uniqueName('restart'),
        stream: uniqueName('restart').toUpperCase(),
      };
      const log = await EventLog.open(await open('actors'), deployment);
      const errors: unknown[] = [];
      const registrar: Registrar = await startRegistrar({ log, onError: (e) => errors.push(e) });
      cleanups.push(() => registrar.stop());
      // Generous liveness: the outage must not make workers look lost.
      const dispatcher: Dispatcher = await startDispatcher({
        log,
        pool: POOL,
        config: { heartbeatMs: 500, missedBeats: 30 },
        onError: (e) => errors.push(e),
      });
      cleanups.push(() => dispatcher.stop());

      const key = await issueKey(log, { project: PROJECT, pool: POOL, models: ['m'], maxUses: 3 });
      const workers: Worker[] = [];
      for (let i = 0; i < 3; i += 1) {
        const w = await createWorker({
          nats: await open(`worker-${i}`),
          key: key.token,
          models: ['m'],
          capacity: 2,
          root: deployment.root,
          heartbeatMs: 500,
          claimWaitMs: 1_000,
          requestTimeoutMs: 2_000,
          maxBackoffMs: 500,
          handler: async ({ payload }) => {
            await sleep(10);
            return { output: payload, usage: { tokensIn: 1 } };
          },
        });
        workers.push(w);
      }
      cleanups.push(() => Promise.all(workers.map((w) => w.kill())));

      const producer = await open('producer');
      const submit = (from: number, n: number) =>
        submitTasks(
          producer,
          Array.from({ length: n }, (_, i) => ({
            taskId: `t${from + i}`,
            project: PROJECT,
            pool: POOL,
            requirements: { models: ['m'] },
            payload: { n: from + i },
            // An assignment whose reply the outage swallowed is requeued when its lease runs out.
            timeoutMs: 3_000,
          })),
          { root: deployment.root },
        );
      const status = (id: string) => dispatcher.host.state.tasks.get(taskKey(PROJECT, id))?.status;
      const completed = () =>
        [...dispatcher.host.state.tasks.values()].filter((t) => t.status === 'completed').length;

      await submit(0, 60);
      await expect.poll(completed).toBeGreaterThanOrEqual(10);

      // The server goes away with work in flight, and comes back on the same port and store.
      await server.stop();
      server = await startNatsServer({ storeDir, port });
      // A producer learns its submission may not have been stored, and that resubmitting is safe
      // (task ids deduplicate): it does so until it is stored.
      for (;;) {
        try {
          await submit(60, 40);
          break;
        } catch (e) {
          if (!(e instanceof UnavailableError)) throw e;
          await sleep(200);
        }
      }

      await expect.poll(completed, { timeout: 60_000 }).toBe(100);
      for (let i = 0; i < 100; i += 1) expect(status(`t${i}`)).toBe('completed');

      // The whole history, checked by the independent auditor.
      const auditor = new Auditor();
      for (const { subject, entry } of await readStream(log))
        auditor.add({ subject, seq: entry.seq, at: entry.at, entry });
      const report = auditor.report();
      expect(report.violations).toEqual([]);
      expect(report.counts.tasks.completed).toBe(100);
      expect(report.counts.tasks.total).toBe(100);
    },
  );
});
