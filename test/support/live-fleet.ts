import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { inject } from 'vitest';
import { startDispatcher } from '../../actors/dispatcher/dispatcher.ts';
import type { Dispatcher } from '../../actors/dispatcher/dispatcher.ts';
import { EventLog } from '../../log/index.ts';
import { issueKey, startRegistrar } from '../../actors/registrar/index.ts';
import type { Registrar } from '../../actors/registrar/index.ts';
import { createWorker } from '../../actors/worker/index.ts';
import type { Worker } from '../../actors/worker/index.ts';
import { cancelTask, submitTasks } from '../../client/index.ts';
import type { TaskInput } from '../../client/index.ts';
import type { PoolId, ProjectId, RuntimeKind } from '../../events/index.ts';
import { startProjections } from '../../projections/index.ts';
import type { Projections, ProjectionsSnapshot } from '../../projections/index.ts';
import { startHud } from '../../hud/index.ts';
import { drainWorker } from '../../cli/drain-worker.ts';
import { revokeWorker } from '../../cli/revoke-worker.ts';
import { redriveDeadLetter } from '../../cli/redrive-dead-letter.ts';
import { clearLimit, storeLimit } from '../../cli/store-limit.ts';
import { readTasks } from '../../cli/read-tasks.ts';
import type { Hud } from '../../hud/index.ts';
import { uniqueName } from '../harness/index.ts';

/** One worker of a live test fleet. */
export interface WorkerSpec {
  readonly project: string;
  readonly pool: string;
  readonly models: readonly string[];
  readonly runtime?: RuntimeKind;
  readonly capacity?: number;
}

/** A whole fleet on the test server, with the projections and the HUD over it. */
export interface LiveFleet {
  readonly nc: NatsConnection;
  readonly log: EventLog;
  readonly projections: Projections;
  readonly hud: Hud;
  readonly operatorToken: string;
  /** Project → its HUD token. */
  readonly projectTokens: Readonly<Record<string, string>>;
  readonly workers: readonly Worker[];
  /**
   * Submits `count` tasks of `project` in `pool` asking for `model`, each running `ms`
   * (default: the fleet's `taskMs`), each first reporting `progress` as its message when given;
   * resolves once stored.
   */
  submit(
    project: string,
    pool: string,
    model: string,
    count: number,
    ms?: number,
    progress?: string,
    priority?: number,
  ): Promise<void>;
  /**
   * Submits `count` tasks whose one attempt fails (retryable): each ends dead-lettered. Their ids
   * are `dl<batch>-<i>`; resolves once stored with the ids.
   */
  deadLetter(project: string, pool: string, model: string, count: number): Promise<string[]>;
  /**
   * Resolves when the operator's snapshot satisfies `check` (tested on every change), rejects
   * after `timeoutMs` (default 15 s) with the last snapshot's counts.
   */
  until(check: (s: ProjectionsSnapshot) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const token = () => randomBytes(18).toString('base64url');

/**
 * Starts a registrar, one dispatcher per pool, the projections, the HUD (an operator token
 * and one token per project) and the workers (each with its own key and connection) on a
 * fresh stream of the test server. Tasks sleep `taskMs` and report tokens and cost.
 */
export const startLiveFleet = async (options: {
  readonly workers: readonly WorkerSpec[];
  readonly taskMs?: number;
}): Promise<LiveFleet> => {
  const url = inject('natsUrl');
  const nc = await connect({ servers: url });
  const log = await EventLog.open(nc, {
    stream: uniqueName('hud').toUpperCase(),
    root: uniqueName('hud'),
  });
  const root = log.subjects.root;
  const connections: NatsConnection[] = [];
  const workers: Worker[] = [];
  const dispatchers: Dispatcher[] = [];
  let registrar: Registrar | undefined;
  let projections: Projections | undefined;
  let hud: Hud | undefined;
  const close = async () => {
    await Promise.allSettled(workers.map((w) => w.drain()));
    for (const d of dispatchers) await d.stop();
    await registrar?.stop();
    await hud?.stop();
    await projections?.stop();
    for (const c of connections) await c.close();
    await log.jsm.streams.delete(log.stream).catch(() => undefined);
    await nc.close();
  };
  try {
    registrar = await startRegistrar({ log });
    const pools = [...new Set(options.workers.map((w) => w.pool))];
    for (const pool of pools)
      dispatchers.push(await startDispatcher({ log, pool: pool as PoolId }));
    projections = await startProjections({ log, checkpoints: false });
    const operatorToken = token();
    const projects = [...new Set(options.workers.map((w) => w.project))];
    const projectTokens = Object.fromEntries(projects.map((p) => [p, token()]));
    hud = await startHud({
      projections,
      tokens: {
        operator: [operatorToken],
        projects: Object.fromEntries(
          Object.entries(projectTokens).map(([p, t]) => [t, p as ProjectId]),
        ),
      },
      actions: {
        cancel: (ref) => cancelTask(nc, ref, { root: log.subjects.root }),
        redrive: (ref) => redriveDeadLetter(log, ref),
        drain: (ref) => drainWorker(log, ref),
        revoke: (ref) => revokeWorker(log, ref),
        setLimit: (ref) => storeLimit(log, ref),
        clearLimit: (ref) => clearLimit(log, ref),
      },
      tasks: (query) => readTasks(log, query),
    });
    const taskMs = options.taskMs ?? 20;
    const active: Promise<void>[] = [];
    for (const spec of options.workers) {
      const key = await issueKey(log, { project: spec.project, pool: spec.pool, maxUses: 1 });
      const wnc = await connect({ servers: url });
      connections.push(wnc);
      let markActive: () => void = () => undefined;
      active.push(
        new Promise<void>((resolve) => {
          markActive = resolve;
        }),
      );
      const model = spec.models[0] ?? 'llama';
      workers.push(
        await createWorker({
          nats: wnc,
          key: key.token,
          models: spec.models,
          runtime: { kind: spec.runtime ?? 'process' },
          capacity: spec.capacity ?? 2,
          root,
          claimWaitMs: 1_000,
          handler: async (task) => {
            const { ms, fail, progress } = task.payload as {
              ms?: number;
              fail?: boolean;
              progress?: string;
            };
            if (progress !== undefined) task.progress({ done: 1, total: 4, message: progress });
            await sleep(ms ?? taskMs, undefined, { signal: task.signal });
            if (fail === true) throw new Error('planned failure');
            return { usage: { tokensIn: 120, tokensOut: 40, costUsd: 0.0005, model } };
          },
          onEvent: (e) => {
            if (e.type === 'active') markActive();
          },
        }),
      );
    }
    await Promise.all(active);
    let batch = 0;
    const fleetProjections = projections;
    const fleetHud = hud;
    return {
      nc,
      log,
      projections: fleetProjections,
      hud: fleetHud,
      operatorToken,
      projectTokens,
      workers,
      submit: async (project, pool, model, count, ms, progress, priority) => {
        batch += 1;
        const inputs: TaskInput[] = Array.from({ length: count }, (_, i) => ({
          taskId: `b${batch}-${i}`,
          project,
          pool,
          requirements: { models: [model] },
          payload: {
            i,
            ...(ms === undefined ? {} : { ms }),
            ...(progress === undefined ? {} : { progress }),
          },
          timeoutMs: 10_000,
          ...(priority === undefined ? {} : { priority }),
        }));
        await submitTasks(nc, inputs, { root });
      },
      deadLetter: async (project, pool, model, count) => {
        batch += 1;
        const ids = Array.from({ length: count }, (_, i) => `dl${batch}-${i}`);
        const inputs: TaskInput[] = ids.map((taskId, i) => ({
          taskId,
          project,
          pool,
          requirements: { models: [model] },
          payload: { i, fail: true },
          maxAttempts: 1,
          timeoutMs: 10_000,
        }));
        await submitTasks(nc, inputs, { root });
        return ids;
      },
      until: (check, timeoutMs = 15_000) =>
        new Promise<void>((resolve, reject) => {
          const test = () => check(fleetProjections.snapshot({ kind: 'operator' }));
          if (test()) {
            resolve();
            return;
          }
          const timer = setTimeout(() => {
            off();
            const { totals } = fleetProjections.snapshot({ kind: 'operator' }).fleet;
            reject(new Error(`the fleet did not get there in time: ${JSON.stringify(totals)}`));
          }, timeoutMs);
          const off = fleetProjections.onChange(() => {
            if (!test()) return;
            clearTimeout(timer);
            off();
            resolve();
          });
        }),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
};
