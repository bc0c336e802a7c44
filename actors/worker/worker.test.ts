import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { decode, RefusedError } from '../../events/index.ts';
import type { FleetEvent, PoolId, ProjectId, WorkerId } from '../../events/index.ts';
import { startDispatcher } from '../dispatcher/dispatcher.ts';
import type { Dispatcher } from '../dispatcher/dispatcher.ts';
import { taskKey } from '../../domain/pool/index.ts';
import { issueKey, startRegistrar } from '../registrar/index.ts';
import type { Registrar } from '../registrar/index.ts';
import { fleetFixture } from '../../test/support/fleet-fixture.ts';
import type { FleetFixture } from '../../test/support/fleet-fixture.ts';
import { P, POOL } from '../../test/support/builders.ts';
import { AbortedError } from './aborted-error.ts';
import { createWorker } from './create-worker.ts';
import type { Worker, WorkerOptions } from './create-worker.ts';
import { execHandler } from './exec-handler.ts';
import type { TaskContext, TaskHandler } from './task-context.ts';
import { TaskError } from './task-error.ts';
import type { WorkerLifecycleEvent } from './worker-lifecycle-event.ts';

const HEARTBEAT_MS = 100;
const project = P.health as ProjectId;
const pool = POOL as PoolId;

let f: FleetFixture;
let d: Dispatcher;
let registrar: Registrar;
const workers: Worker[] = [];
const children: ChildProcess[] = [];

beforeEach(async () => {
  f = await fleetFixture();
  d = await startDispatcher({
    log: f.log,
    pool,
    config: { heartbeatMs: HEARTBEAT_MS, missedBeats: 2 },
  });
  registrar = await startRegistrar({ log: f.log });
});
afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const w of workers.splice(0)) await w.kill();
  await d.stop();
  await registrar.stop();
  await f.close();
});

const deferred = <T = void>() => {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
};

const newKey = async (maxUses = 1) =>
  (await issueKey(f.log, { project, pool, models: ['llama'], maxUses })).token;

const startWorker = async (
  handler: TaskHandler,
  over: Partial<WorkerOptions> = {},
): Promise<Worker & { events: WorkerLifecycleEvent[] }> => {
  const events: WorkerLifecycleEvent[] = [];
  const w = await createWorker({
    nats: f.nc,
    key: await newKey(),
    root: f.log.subjects.root,
    models: ['llama'],
    heartbeatMs: HEARTBEAT_MS,
    claimWaitMs: 1_000,
    handler,
    onEvent: (e) => events.push(e),
    ...over,
  });
  workers.push(w);
  return Object.assign(w, { events });
};

/** Blocks until the attempt is aborted, then fails with the abort's reason. */
const blockUntilAborted = (t: TaskContext): Promise<never> =>
  new Promise((_, reject) => {
    t.signal.addEventListener('abort', () => {
      reject(t.signal.reason as Error);
    });
  });

const task = (taskId: string) => d.host.state.tasks[taskKey(project, taskId)];

/** Runs `test/fixtures/worker-process.ts` in a child process; reads its JSON lines. */
const spawnWorkerProcess = async () => {
  const script = fileURLToPath(new URL('../../test/fixtures/worker-process.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: {
      ...process.env,
      NATS_URL: inject('natsUrl'),
      FLEET_ROOT: f.log.subjects.root,
      FLEET_KEY: await newKey(),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const lines: Record<string, unknown>[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  const said = (key: string) => lines.find((l) => key in l)?.[key];
  await expect.poll(() => said('enrolled'), { timeout: 15_000 }).toBeTypeOf('string');
  return { child, exited, said, workerId: said('enrolled') as WorkerId };
};

/** The events of the stored message at `seq`, decoded. */
const stored = async (seq: number): Promise<readonly FleetEvent[]> => {
  const m = await f.log.jsm.streams.getMessage(f.log.stream, { seq });
  if (m === null) throw new Error(`no message ${seq}`);
  const decoded = decode(m.subject, m.data, { root: f.log.subjects.root });
  if (!decoded.ok) throw decoded.error;
  return decoded.value.events;
};

/** The report that ended a task, as stored. */
const endingReport = async (taskId: string): Promise<FleetEvent | undefined> => {
  const t = task(taskId);
  if (t === undefined || !('endedSeq' in t)) throw new Error(`task ${taskId} has not ended`);
  // Reports finished together are stored as one batch: find this task's.
  return (await stored(t.endedSeq)).find((e) => 'taskId' in e.data && e.data.taskId === taskId);
};

/** Every event stored on a subject so far, in order. */
const eventsOn = async (subject: string): Promise<FleetEvent[]> => {
  const out: FleetEvent[] = [];
  const tail = await f.log.tail(subject, 1, ({ entry }) => {
    if ('events' in entry) out.push(...entry.events);
  });
  await tail.caughtUp;
  await tail.stop();
  return out;
};

describe('a worker', () => {
  it('enrolls, claims, runs the handler and reports; the fold shows the task completed', async () => {
    const seen: TaskContext[] = [];
    const w = await startWorker((t) => {
      seen.push(t);
      return Promise.resolve({
        output: { echo: t.payload },
        usage: { tokensIn: 10, tokensOut: 5, costUsd: 0.01, model: 'llama' },
      });
    });
    expect(w.identity).toMatchObject({ workerId: w.id, project, pool, models: ['llama'] });
    await f.submit({ taskId: 't1', payload: { q: 1 } });
    await expect.poll(() => task('t1')?.status).toBe('completed');
    expect(seen).toMatchObject([{ taskId: 't1', project, pool, attempt: 1, payload: { q: 1 } }]);
    // The report the fold ended the task with carries the handler's output and usage.
    const report = await endingReport('t1');
    expect(report).toMatchObject({
      type: 'task.completed',
      data: {
        taskId: 't1',
        workerId: w.id,
        attempt: 1,
        output: { echo: { q: 1 } },
        usage: { tokensIn: 10, tokensOut: 5, costUsd: 0.01, model: 'llama' },
      },
    });
    expect(w.inFlight()).toEqual([]);
    expect(w.events.map((e) => e.type)).toEqual([
      'enrolled',
      'active',
      'task_started',
      'task_reported',
    ]);
  });

  it('aborts a slow handler when the lease expires; the task is requeued and done again', async () => {
    const reasons: unknown[] = [];
    const w = await startWorker((t) => {
      if (t.attempt === 2) return Promise.resolve({ output: 'second time lucky' });
      return blockUntilAborted(t).catch((e: unknown) => {
        reasons.push(e);
        throw e;
      });
    });
    await f.submit({ taskId: 'slow', timeoutMs: 300, maxAttempts: 2 });
    await expect.poll(() => task('slow')?.status).toBe('completed');
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toBeInstanceOf(AbortedError);
    expect(reasons[0]).toMatchObject({ why: 'lease_expired' });
    expect(task('slow')).toMatchObject({ attempts: 2 });
    expect(await endingReport('slow')).toMatchObject({ data: { workerId: w.id, attempt: 2 } });
  });

  it('runs up to its capacity at once, and a non-retryable failure fails the task', async () => {
    let running = 0;
    let peak = 0;
    const allIn = deferred();
    const w = await startWorker(
      async (t) => {
        running += 1;
        peak = Math.max(peak, running);
        if (peak === 3) allIn.resolve();
        await allIn.promise;
        running -= 1;
        if (t.taskId === 'bad') throw new TaskError('unparseable prompt', { retryable: false });
        return {};
      },
      { capacity: 3 },
    );
    expect(w.identity.capacity).toBe(3);
    await f.submit({ taskId: 'a' }, { taskId: 'b' }, { taskId: 'bad' });
    await expect
      .poll(() => ['a', 'b', 'bad'].map((id) => task(id)?.status))
      .toEqual(['completed', 'completed', 'failed']);
    expect(peak).toBe(3);
    expect(await endingReport('bad')).toMatchObject({
      type: 'task.failed',
      data: { retryable: false, error: { message: 'unparseable prompt' } },
    });
  });

  it('does not start with a key the registrar refuses', async () => {
    const token = await newKey();
    const bad = `${token.slice(0, -4)}AAAA`;
    await expect(
      createWorker({
        nats: f.nc,
        key: bad,
        root: f.log.subjects.root,
        handler: () => Promise.resolve({}),
      }),
    ).rejects.toMatchObject({ name: 'RefusedError', reason: 'bad_secret' });
  });

  it('is declared lost when its process dies mid-task; another worker finishes the task', async () => {
    const { child, said, workerId: dead } = await spawnWorkerProcess();
    await f.submit({ taskId: 't1' });
    await expect.poll(() => said('started')).toBe('t1');

    const release = deferred();
    const attempts: number[] = [];
    const w2 = await startWorker(async (t) => {
      attempts.push(t.attempt);
      await release.promise;
      return { output: 'rescued' };
    });
    child.kill('SIGKILL');
    await expect
      .poll(() => task('t1'), { timeout: 5_000 })
      .toMatchObject({ status: 'assigned', workerId: w2.id, attempt: 2 });
    expect(d.host.state.workers[dead]?.status).toBe('lost');

    // The dead worker's report of attempt 1 arrives late: stored, and refused by the fold.
    await f.report(dead, {
      type: 'task.completed',
      data: { taskId: 't1', project, pool, workerId: dead, attempt: 1, output: 'too late' },
      meta: { at: Date.now() },
    });
    const late = () => {
      const r = d.host.state.rejections.byReason;
      return (r['stale_attempt'] ?? 0) + (r['worker_not_active'] ?? 0);
    };
    await expect.poll(late).toBe(1);
    expect(task('t1')).toMatchObject({ status: 'assigned', workerId: w2.id });

    release.resolve();
    await expect.poll(() => task('t1')?.status).toBe('completed');
    expect(attempts).toEqual([2]);
    expect(await endingReport('t1')).toMatchObject({ data: { workerId: w2.id, attempt: 2 } });
  });

  it('ends with a RefusedError when revoked, and its attempt goes to another worker', async () => {
    const aborted = deferred<unknown>();
    const a = await startWorker((t) =>
      blockUntilAborted(t).catch((e: unknown) => {
        aborted.resolve(e);
        throw e;
      }),
    );
    await f.submit({ taskId: 't1' });
    await expect.poll(() => a.inFlight().map((x) => x.taskId)).toEqual(['t1']);
    const b = await startWorker((t) => Promise.resolve({ output: t.attempt }));

    await f.log.append(f.log.subjects.member(project, pool, a.id), {
      type: 'worker.revoked',
      data: { workerId: a.id, project, pool, reason: 'compromised' },
      meta: { at: Date.now() },
    });
    const ended = await a.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(ended).toBeInstanceOf(RefusedError);
    expect(ended).toMatchObject({ reason: 'worker_revoked' });
    expect(await aborted.promise).toMatchObject({ why: 'worker_stopped' });
    expect(a.events.map((e) => e.type)).toContain('refused');
    expect(a.phase()).toBe('ended');

    await expect.poll(() => task('t1')?.status).toBe('completed');
    expect(await endingReport('t1')).toMatchObject({ data: { workerId: b.id, attempt: 2 } });
    // The revoked worker reported nothing for the attempt it lost.
    expect((await eventsOn(f.log.subjects.report(project, pool, a.id))).map((e) => e.type)).toEqual(
      [],
    );
  });

  it('drains: claims no more, finishes what it holds, then leaves', async () => {
    const release = deferred();
    const w = await startWorker(
      async () => {
        await release.promise;
        return { output: 'finished' };
      },
      { capacity: 2 },
    );
    const claims: number[] = [];
    const sub = f.nc.subscribe(f.log.subjects.claim(project, pool, w.id), {
      callback: () => {
        claims.push(Date.now());
      },
    });
    await f.nc.flush();
    await f.submit({ taskId: 't1' });
    await expect.poll(() => w.inFlight().length).toBe(1);
    // Its second slot is claiming.
    await expect.poll(() => d.waiting()).toBe(1);

    const sent = claims.length;
    const drained = w.drain();
    expect(w.phase()).toBe('draining');
    await expect.poll(() => d.host.state.workers[w.id]?.status).toBe('draining');
    // The claim under way is refused, and no other comes.
    await expect.poll(() => d.waiting()).toBe(0);
    await f.submit({ taskId: 't2' });

    release.resolve();
    await drained;
    await f.nc.flush(); // every claim the worker sent on this connection has been delivered
    sub.unsubscribe();
    expect(claims).toHaveLength(sent);
    expect(w.phase()).toBe('ended');
    expect(task('t1')?.status).toBe('completed');
    expect(task('t2')?.status).toBe('queued');
    expect((await eventsOn(f.log.subjects.report(project, pool, w.id))).map((e) => e.type)).toEqual(
      ['worker.draining', 'task.completed', 'worker.left'],
    );
    await expect.poll(() => d.host.state.workers[w.id]?.status).toBe('left');
    expect(w.events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['draining', 'left', 'ended']) as unknown,
    );
  });

  it('runs a command per task with execHandler', async () => {
    await startWorker(
      execHandler({
        command: '[ "$FLEET_TASK_ID" = bad ] && { echo "no such model" >&2; exit 3; }; cat',
      }),
    );
    await f.submit({ taskId: 'good', payload: { x: 1 } }, { taskId: 'bad', maxAttempts: 1 });
    await expect
      .poll(() => [task('good')?.status, task('bad')?.status])
      .toEqual(['completed', 'dead_lettered']);
    expect(await endingReport('good')).toMatchObject({
      type: 'task.completed',
      data: { output: { taskId: 'good', project, pool, attempt: 1, payload: { x: 1 } } },
    });
    expect(await endingReport('bad')).toMatchObject({
      type: 'task.failed',
      data: { retryable: true, error: { message: 'no such model', code: 'exit_3' } },
    });
  });
  it('drains on SIGTERM when it handles signals', async () => {
    const { child, exited, said, workerId } = await spawnWorkerProcess();
    await f.submit({ taskId: 't1', payload: { sleepMs: 300 } });
    await expect.poll(() => said('started')).toBe('t1');
    child.kill('SIGTERM');
    expect(await exited).toEqual([0, null]);
    expect(task('t1')?.status).toBe('completed');
    expect(
      (await eventsOn(f.log.subjects.report(project, pool, workerId))).map((e) => e.type),
    ).toEqual(['worker.draining', 'task.completed', 'worker.left']);
    await expect.poll(() => d.host.state.workers[workerId]?.status).toBe('left');
  });

  it('aborts an attempt the dispatcher no longer counts as held, and reports nothing for it', async () => {
    const reasons: unknown[] = [];
    const w = await startWorker((t) =>
      t.taskId === 'next'
        ? Promise.resolve({})
        : blockUntilAborted(t).catch((e: unknown) => {
            reasons.push(e);
            throw e;
          }),
    );
    await f.submit({ taskId: 't1' });
    await expect.poll(() => w.inFlight().length).toBe(1);
    await f.log.append(f.log.subjects.cancel(project, pool), {
      type: 'task.cancelled',
      data: { taskId: 't1', project, pool, reason: 'no longer needed' },
      meta: { at: Date.now() },
    });
    await expect.poll(() => reasons).toHaveLength(1);
    expect(reasons[0]).toMatchObject({ why: 'taken_away' });
    await f.submit({ taskId: 'next' });
    await expect.poll(() => task('next')?.status).toBe('completed');
    expect(task('t1')?.status).toBe('cancelled');
    expect(
      (await eventsOn(f.log.subjects.report(project, pool, w.id))).map((e) => e.data),
    ).toMatchObject([{ taskId: 'next' }]);
    expect(w.events.map((e) => e.type)).toContain('task_dropped');
  });

  it('backs off while its dispatcher is away, and works again when one is back', async () => {
    const w = await startWorker((t) => Promise.resolve({ output: t.taskId }), {
      maxBackoffMs: 400,
    });
    await expect.poll(() => w.events.map((e) => e.type)).toContain('active');
    await d.stop();
    const delays = () => w.events.flatMap((e) => (e.type === 'claim_error' ? [e.retryInMs] : []));
    await expect.poll(() => delays().length).toBeGreaterThanOrEqual(3);
    // 50–100 % of 100, 200, 400 ms: each wait longer than the first.
    expect(delays()[2]).toBeGreaterThan(delays()[0] ?? Infinity);
    expect(w.events.map((e) => e.type)).toContain('heartbeat_error');
    d = await startDispatcher({
      log: f.log,
      pool,
      config: { heartbeatMs: HEARTBEAT_MS, missedBeats: 2 },
    });
    await f.submit({ taskId: 't1' });
    await expect.poll(() => task('t1')?.status, { timeout: 15_000 }).toBe('completed');
    expect(w.phase()).toBe('running');
  });
});
