import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect, inject } from 'vitest';
import { decode } from '../../events/index.ts';
import type { FleetEvent, PoolId, ProjectId, WorkerId } from '../../events/index.ts';
import { startDispatcher } from '../../actors/dispatcher/dispatcher.ts';
import type { Dispatcher } from '../../actors/dispatcher/dispatcher.ts';
import { taskKey } from '../../domain/pool/index.ts';
import type { TaskState } from '../../domain/pool/index.ts';
import { issueKey, startRegistrar } from '../../actors/registrar/index.ts';
import type { Registrar } from '../../actors/registrar/index.ts';
import { createWorker } from '../../actors/worker/create-worker.ts';
import type { TaskContext, TaskHandler } from '../../actors/worker/task-context.ts';
import type { WorkerLifecycleEvent } from '../../actors/worker/worker-lifecycle-event.ts';
import type { WorkerOptions } from '../../actors/worker/worker-options.ts';
import type { Worker } from '../../actors/worker/worker.ts';
import { fleetFixture } from './fleet-fixture.ts';
import type { FleetFixture } from './fleet-fixture.ts';
import { P, POOL } from './builders.ts';

export const HEARTBEAT_MS = 100;
export const project = P.health as ProjectId;
export const pool = POOL as PoolId;

/** A worker started by {@link WorkerFleet.startWorker}, with every lifecycle event it told. */
export type ToldWorker = Worker & { events: WorkerLifecycleEvent[] };

/** A worker in a child process (`test/fixtures/worker-process.ts`), read from its JSON lines. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<[number | null, NodeJS.Signals | null]>;
  /** The value of the first line that has `key`. */
  readonly said: (key: string) => unknown;
  readonly workerId: WorkerId;
}

/** A fleet fixture with a dispatcher and a registrar for the pool, and workers to start on it. */
export interface WorkerFleet {
  readonly f: FleetFixture;
  /** The pool's dispatcher; `restartDispatcher` replaces it. */
  readonly d: Dispatcher;
  readonly registrar: Registrar;
  /** Starts a new dispatcher for the pool, after the test stopped the one it had. */
  restartDispatcher(): Promise<void>;
  /** An enrollment key of the project and pool, for `llama`. */
  newKey(maxUses?: number): Promise<string>;
  startWorker(handler: TaskHandler, over?: Partial<WorkerOptions>): Promise<ToldWorker>;
  spawnWorkerProcess(): Promise<WorkerProcess>;
  /** The dispatcher's state of the project's task `taskId`. */
  task(taskId: string): TaskState | undefined;
  /** The report that ended a task, as stored. */
  endingReport(taskId: string): Promise<FleetEvent | undefined>;
  /** Every event stored on a subject so far, in order. */
  eventsOn(subject: string): Promise<FleetEvent[]>;
  /** Kills what the tests started, and stops the dispatcher, the registrar and the fixture. */
  close(): Promise<void>;
}

export const deferred = <T = void>() => {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
};

/** Blocks until the attempt is aborted, then fails with the abort's reason. */
export const blockUntilAborted = (t: TaskContext): Promise<never> =>
  new Promise((_, reject) => {
    t.signal.addEventListener('abort', () => {
      reject(t.signal.reason as Error);
    });
  });

/**
 * A fleet for worker tests; `missedBeats` loosens the liveness check for tests whose point is
 * not it (on a loaded machine two missed beats of 100 ms come easily).
 */
export const workerFleet = async (
  options: {
    missedBeats?: number;
    /** After how long the dispatcher forgets ended tasks (its default when not given). */
    forgetEndedAfterMs?: number;
  } = {},
): Promise<WorkerFleet> => {
  const f = await fleetFixture();
  const dispatcher = () =>
    startDispatcher({
      log: f.log,
      pool,
      // Ten missed beats (a second of silence) unless a test asks otherwise: two were lost to a
      // busy machine's pauses, and a worker declared lost mid-test fails tests about something else.
      config: {
        heartbeatMs: HEARTBEAT_MS,
        missedBeats: options.missedBeats ?? 10,
        ...(options.forgetEndedAfterMs === undefined
          ? {}
          : { forgetEndedAfterMs: options.forgetEndedAfterMs }),
      },
    });
  let d = await dispatcher();
  const registrar = await startRegistrar({ log: f.log });
  const workers: Worker[] = [];
  const children: ChildProcess[] = [];

  const newKey = async (maxUses = 1) =>
    (await issueKey(f.log, { project, pool, models: ['llama'], maxUses })).token;

  /** The events of the stored message at `seq`, decoded. */
  const stored = async (seq: number): Promise<readonly FleetEvent[]> => {
    const m = await f.log.jsm.streams.getMessage(f.log.stream, { seq });
    if (m === null) throw new Error(`no message ${seq}`);
    const decoded = decode(m.subject, m.data, { root: f.log.subjects.root });
    if (!decoded.ok) throw decoded.error;
    return decoded.value.events;
  };
  const task = (taskId: string) => d.host.state.tasks.get(taskKey(project, taskId));

  return {
    f,
    get d() {
      return d;
    },
    registrar,
    restartDispatcher: async () => {
      d = await dispatcher();
    },
    newKey,
    startWorker: async (handler, over = {}) => {
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
    },
    spawnWorkerProcess: async () => {
      const script = fileURLToPath(new URL('../fixtures/worker-process.ts', import.meta.url));
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
    },
    task,
    endingReport: async (taskId) => {
      const t = task(taskId);
      if (t === undefined || !('endedSeq' in t)) throw new Error(`task ${taskId} has not ended`);
      // Reports finished together are stored as one batch: find this task's.
      return (await stored(t.endedSeq)).find((e) => 'taskId' in e.data && e.data.taskId === taskId);
    },
    eventsOn: async (subject) => {
      const out: FleetEvent[] = [];
      const tail = await f.log.tail(subject, 1, ({ entry }) => {
        if ('events' in entry) out.push(...entry.events);
      });
      await tail.caughtUp;
      await tail.stop();
      return out;
    },
    close: async () => {
      for (const c of children.splice(0)) c.kill('SIGKILL');
      for (const w of workers.splice(0)) await w.kill();
      await d.stop();
      await registrar.stop();
      await f.close();
    },
  };
};
