/**
 * Records the golden log of the projections' replay tests, once: runs the multi-tenant example
 * on a private nats-server, then a second act on the same stream — failures, a retry, tokens
 * reported without a cost, tasks nobody can run, a worker revoked, one lost, one killed holding
 * a task, and forged, stale, duplicate and malformed messages — and writes every stored
 * message to `test/fixtures/golden/multi-tenant/log.jsonl`.
 *
 *   npx tsx scripts/record-golden.ts && npm run golden:update
 *
 * Timestamps differ per run, so the log is committed; the replay test folds the committed log.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { startDispatcher } from '../actors/dispatcher/dispatcher.ts';
import type { Dispatcher } from '../actors/dispatcher/dispatcher.ts';
import { EventLog } from '../log/index.ts';
import { issueKey, startRegistrar } from '../actors/registrar/index.ts';
import { createWorker, TaskError } from '../actors/worker/index.ts';
import type { TaskHandler } from '../actors/worker/index.ts';
import { awaitTask, submitTasks } from '../client/index.ts';
import type { TaskInput } from '../client/index.ts';
import { startNatsServer } from '../infra/nats-server.ts';
import { revokeWorker } from '../cli/revoke-worker.ts';
import { encode } from '../events/index.ts';
import type { FleetEventInput, PoolId, ProjectId, WorkerId } from '../events/index.ts';
import { runMultiTenant } from '../examples/multi-tenant.ts';
import { recordedLine } from '../projections/index.ts';

const ROOT = 'golden';
const STREAM = 'GOLDEN';
const OUT = fileURLToPath(new URL('../test/fixtures/golden/multi-tenant/', import.meta.url));
const HEALTH = 'health-prod' as ProjectId;
const FIN = 'fin-prod' as ProjectId;
const GPU = 'gpu' as PoolId;
const CPU = 'cpu' as PoolId;

const until = async (what: string, check: () => boolean, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
};

/** Act two's handler: succeeds with tokens only, fails on purpose, fails once, or hangs. */
const handler: TaskHandler = async (task) => {
  const { kind, words } = task.payload as { kind: string; words?: number };
  if (kind === 'fail')
    throw new TaskError('the invoice is unreadable', { retryable: false, code: 'E_INPUT' });
  if (kind === 'flaky' && task.attempt === 1)
    throw new TaskError('upstream timed out', { code: 'E_UPSTREAM' });
  if (kind === 'hang') {
    await new Promise((resolve) => task.signal.addEventListener('abort', resolve, { once: true }));
    return {};
  }
  await sleep(5);
  const tokensIn = Math.round((words ?? 100) * 1.3);
  return { output: { ok: true }, usage: { tokensIn, tokensOut: Math.round(tokensIn / 3) } };
};

const actTwo = async (url: string) => {
  const nc = await connect({ servers: url, name: 'record-golden' });
  const conns: NatsConnection[] = [];
  const log = await EventLog.open(nc, { stream: STREAM, root: ROOT });
  const s = log.subjects;
  const registrar = await startRegistrar({ log });
  const dispatchers: Dispatcher[] = [];
  for (const pool of [GPU, CPU]) dispatchers.push(await startDispatcher({ log, pool }));
  const gpu = dispatchers[0];
  if (gpu === undefined) throw new Error('no gpu dispatcher');

  const start = async (project: ProjectId, pool: PoolId, models: string[], extra: object = {}) => {
    const key = await issueKey(log, { project, pool, models, name: `golden ${project} ${pool}` });
    const wnc = await connect({ servers: url, name: `golden worker ${project}` });
    conns.push(wnc);
    let active = false;
    const worker = await createWorker({
      nats: wnc,
      key: key.token,
      models,
      root: ROOT,
      claimWaitMs: 1_000,
      handler,
      onEvent: (e) => {
        if (e.type === 'active') active = true;
      },
      ...extra,
    });
    worker.done.catch(() => undefined);
    await until('an active worker', () => active);
    return worker;
  };
  const finCpu = await start(FIN, CPU, ['phi-3'], { capacity: 2 });
  const healthGpu = await start(HEALTH, GPU, ['llama3-70b']);
  const healthCpu = await start(HEALTH, CPU, ['mistral-7b']);
  const finGpu = await start(FIN, GPU, ['llama3-70b'], { labels: { zone: 'us' } });

  const fin = (
    taskId: string,
    payload: TaskInput['payload'],
    extra: Partial<TaskInput> = {},
  ): TaskInput => ({
    taskId,
    project: FIN,
    pool: CPU,
    requirements: { models: ['phi-3'] },
    payload,
    ...extra,
  });
  const done = [
    fin('f-ok-1', { kind: 'ok', words: 120 }),
    fin('f-ok-2', { kind: 'ok', words: 340 }),
    fin('f-ok-3', { kind: 'ok', words: 80 }),
    fin('f-fail-1', { kind: 'fail' }),
    fin('f-flaky-1', { kind: 'flaky', words: 200 }, { maxAttempts: 3 }),
  ];
  await submitTasks(nc, done, { root: ROOT });
  for (const t of done)
    await awaitTask(
      nc,
      { project: FIN, pool: CPU, taskId: t.taskId ?? '', timeoutMs: 15_000 },
      { root: ROOT, stream: STREAM },
    );

  await submitTasks(
    nc,
    [
      {
        taskId: 'h-hang-1',
        project: HEALTH,
        pool: GPU,
        requirements: { models: ['llama3-70b'] },
        payload: { kind: 'hang' },
        timeoutMs: 600_000,
      },
    ],
    { root: ROOT },
  );
  await until('the hanging task to start', () => healthGpu.inFlight().length === 1);
  await submitTasks(
    nc,
    [
      {
        taskId: 'h-wait-1',
        project: HEALTH,
        pool: GPU,
        requirements: { models: ['llama3-70b'] },
        payload: { kind: 'ok' },
      },
      {
        taskId: 'h-gpt-1',
        project: HEALTH,
        pool: GPU,
        requirements: { models: ['gpt-4o'] },
        payload: { kind: 'ok' },
      },
      {
        taskId: 'f-eu-1',
        project: FIN,
        pool: GPU,
        requirements: { models: ['llama3-70b'], labels: [{ key: 'zone', op: 'eq', value: 'eu' }] },
        payload: { kind: 'ok' },
        priority: 5,
      },
    ],
    { root: ROOT },
  );

  // An operator revokes health-prod's CPU worker; a crash loses fin-prod's GPU worker.
  await revokeWorker(log, {
    project: HEALTH,
    pool: CPU,
    workerId: healthCpu.id,
    reason: 'golden: operator revoked',
  });
  await healthCpu.done.catch(() => undefined);
  await finGpu.kill();
  await until(
    'the dispatcher to declare the killed worker lost',
    () => gpu.host.state.workers[finGpu.id]?.status === 'lost',
  );

  // What the fold must refuse or cannot read, each on a subject of its own.
  const js = jetstream(nc);
  const raw = (subject: string, body: string | Uint8Array) => js.publish(subject, body);
  const at = Date.now();
  const ev = (e: FleetEventInput) => encode(e);
  await raw(s.submit(FIN, CPU), '{"type":"task.submitted","data":{"taskId":"f-torn-1"');
  await raw(
    s.submit(HEALTH, GPU),
    ev({
      type: 'task.submitted',
      data: { taskId: 'h-bad-1', project: HEALTH, pool: GPU, priority: 5000 },
      meta: { at },
    }),
  );
  await raw(
    s.submit(FIN, CPU),
    ev({
      type: 'task.submitted',
      data: { taskId: 'f-mismatch-1', project: HEALTH, pool: CPU },
      meta: { at },
    }),
  );
  await raw(
    s.submit(FIN, CPU),
    ev({
      type: 'task.submitted',
      data: { taskId: 'f-ok-1', project: FIN, pool: CPU, requirements: { models: ['phi-3'] } },
      meta: { at },
    }),
  );
  const report = (project: ProjectId, pool: PoolId, workerId: WorkerId, taskId: string) =>
    raw(
      s.report(project, pool, workerId),
      ev({
        type: 'task.completed',
        data: {
          taskId,
          project,
          pool,
          workerId,
          attempt: 1,
          usage: { tokensIn: 999, tokensOut: 999, costUsd: 9.99 },
        },
        meta: { at },
      }),
    );
  await report(FIN, GPU, healthGpu.id, 'f-eu-1'); // forged: a health-prod worker on fin-prod's subject
  await report(FIN, CPU, finCpu.id, 'f-ok-1'); // stale: that attempt already completed

  // Stop without a trace: no dispatcher left to declare the last two workers lost.
  for (const d of dispatchers) await d.stop();
  await registrar.stop();
  await finCpu.kill();
  await healthGpu.kill();
  for (const c of conns) await c.close();
  await nc.close();
};

const record = async (url: string) => {
  const nc = await connect({ servers: url });
  const log = await EventLog.open(nc, { stream: STREAM, root: ROOT });
  const last = await log.lastSeq();
  const consumer = await jetstream(nc).consumers.get(STREAM, { deliver_policy: DeliverPolicy.All });
  const lines: string[] = [];
  const messages = await consumer.consume();
  for await (const m of messages) {
    const at = Math.floor(m.info.timestampNanos / 1_000_000);
    lines.push(JSON.stringify(recordedLine(m.subject, m.seq, at, m.data)));
    if (m.seq >= last) break;
  }
  await nc.close();
  await mkdir(OUT, { recursive: true });
  await writeFile(`${OUT}log.jsonl`, `${lines.join('\n')}\n`);
  return lines.length;
};

const main = async () => {
  const server = await startNatsServer();
  try {
    const result = await runMultiTenant({
      natsUrl: server.url,
      root: ROOT,
      stream: STREAM,
      log: () => undefined,
    });
    if (!result.ok) throw new Error(`the multi-tenant run failed: ${result.problems.join('; ')}`);
    await actTwo(server.url);
    const n = await record(server.url);
    console.log(`recorded ${n} messages to ${OUT}log.jsonl`);
  } finally {
    await server.stop();
  }
};

await main();
