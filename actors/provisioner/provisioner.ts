import { randomBytes } from 'node:crypto';
import type {
  EventOf,
  KeyId,
  LaunchId,
  LaunchIds,
  PoolId,
  ProvisionCommand,
  RuntimeTemplate,
} from '../../events/index.ts';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ProvisionConfig, ProvisionState } from '../../domain/provision/index.ts';
import type { UserCredentials } from '../../security/user-credentials.ts';
import type { EventLog } from '../../log/index.ts';
import { ActorHost } from '../host/actor-host.ts';
import { issueKey } from '../registrar/index.ts';
import type { TaskHandler, WorkerLifecycleEvent } from '../worker/index.ts';
import { startOneShot } from './one-shot-worker.ts';
import { provisionerLogic } from './provisioner-logic.ts';

/** A launch that could not go ahead: a stable code and words (never a secret). */
export interface LaunchProblem {
  readonly code: string;
  readonly message: string;
}

/**
 * How a template's attempts run: a task handler (a container, a Job, an invocation per
 * attempt), which calls `failed` when the runtime refused or could not be reached — the launch
 * then fails and the template backs off. Undefined: this provisioner cannot launch it.
 */
export type HandlerFor = (
  template: RuntimeTemplate,
  failed: (problem: LaunchProblem) => void,
) => TaskHandler | undefined;

/** What the provisioner tells of each launch, for logs and displays. */
export type ProvisionerEvent =
  | { readonly type: 'requested'; readonly event: EventOf<'launch.requested'> }
  | { readonly type: 'started'; readonly launchId: LaunchId; readonly workerId: string }
  | { readonly type: 'failed'; readonly launchId: LaunchId; readonly problem: LaunchProblem }
  | { readonly type: 'worker'; readonly launchId: LaunchId; readonly event: WorkerLifecycleEvent };

/** Options of a running provisioner. */
export interface ProvisionerOptions {
  readonly log: EventLog;
  readonly pool: PoolId;
  readonly templates: readonly RuntimeTemplate[];
  readonly handlerFor: HandlerFor;
  /**
   * Secure mode: launched workers enroll on `nats` (the shared enrollment user's connection;
   * the provisioner's own credentials may not enroll) and each then works on a connection of
   * its own made by `connect` with the credentials the registrar issued to it.
   */
  readonly enroll?: {
    readonly nats: NatsConnection;
    readonly connect: (credentials: UserCredentials) => Promise<NatsConnection>;
  };
  readonly config?: Partial<Omit<ProvisionConfig, 'pool' | 'templates'>>;
  /** How often demand is looked at even when nothing is folded (default 1 s). */
  readonly tickMs?: number;
  /** Most launches decided in one round (default 16). */
  readonly maxPerRound?: number;
  /** A launched worker with no task within this long leaves (default 30 s). */
  readonly idleMs?: number;
  /** The launched workers' heartbeat period (match the dispatcher's). */
  readonly heartbeatMs?: number;
  readonly claimWaitMs?: number;
  readonly now?: () => number;
  readonly onError?: (error: unknown) => void;
  readonly onEvent?: (event: ProvisionerEvent) => void;
}

/** A running provisioner of one pool. */
export interface Provisioner {
  readonly host: ActorHost<ProvisionState, ProvisionCommand>;
  /** Looks at demand now (also runs after each fold and on a timer). */
  provision(): Promise<void>;
  /** Launches whose workers have not ended. */
  readonly running: () => number;
  /** Stops deciding; launched workers finish their task and leave. */
  stop(): Promise<void>;
}

const launchIds = (n: number): LaunchIds[] =>
  Array.from({ length: n }, () => ({
    launchId: `l${randomBytes(8).toString('hex')}` as LaunchId,
    keyId: `kl${randomBytes(8).toString('hex')}` as KeyId,
  }));

const problemOf = (code: string, error: unknown): LaunchProblem => ({
  code,
  message: (error instanceof Error ? error.message : String(error)).slice(0, 1024),
});

/**
 * Starts the provisioner of a pool: folds the pool as its dispatcher does, and whenever queued
 * tasks wait that no free worker serves but a template fits, decides launches (`launch.requested`,
 * exclusive per project) and carries each out: a single-use key restricted to the template's
 * labels and models (only its hash is stored), a one-shot worker enrolled with it that runs
 * one task through the template's handler, reports and leaves. `launch.started` records the
 * enrollment; `launch.failed` any failure, after which the template backs off.
 */
export const startProvisioner = async (o: ProvisionerOptions): Promise<Provisioner> => {
  const { log, pool } = o;
  const now = o.now ?? Date.now;
  const onError = o.onError ?? (() => undefined);
  const tell = o.onEvent ?? (() => undefined);
  const config = { ...o.config, pool, templates: o.templates };
  const host = await ActorHost.start(log, provisionerLogic(log.subjects, config), { onError });
  const startTimeoutMs = host.state.config.startTimeoutMs;
  const byName = new Map(o.templates.map((t) => [t.name, t]));
  const running = new Set<Promise<void>>();
  let stopped = false;

  const record = (command: ProvisionCommand) =>
    host.execute(command).then(
      () => undefined,
      (e: unknown) => {
        onError(e);
      },
    );

  const fail = (e: EventOf<'launch.requested'>, problem: LaunchProblem) => {
    tell({ type: 'failed', launchId: e.data.launchId, problem });
    return record({
      type: 'record_failure',
      data: { launchId: e.data.launchId, project: e.data.project, pool, ...problem },
      meta: { now: now() },
    });
  };

  /** Carries out one decided launch, to its end; never throws. */
  const launch = async (e: EventOf<'launch.requested'>): Promise<void> => {
    const template = byName.get(e.data.template);
    let failed = false;
    const onFailed = (problem: LaunchProblem) => {
      if (failed) return;
      failed = true;
      void fail(e, problem);
    };
    const handler = template === undefined ? undefined : o.handlerFor(template, onFailed);
    if (template === undefined || handler === undefined) {
      onFailed({
        code: 'runtime_unsupported',
        message: `this provisioner cannot launch template ${e.data.template} (${e.data.runtime})`,
      });
      return;
    }
    let token: string;
    try {
      const key = await issueKey(log, {
        keyId: e.data.keyId,
        project: e.data.project,
        pool,
        labels: template.labels,
        models: template.models,
        maxUses: 1,
        ttlMs: startTimeoutMs,
        name: `launch ${e.data.launchId}`,
        now: now(),
      });
      token = key.token;
    } catch (error) {
      onFailed(problemOf('key_refused', error));
      return;
    }
    let shot;
    try {
      shot = await startOneShot({
        nats: o.enroll?.nats ?? log.nc,
        ...(o.enroll === undefined ? {} : { connect: o.enroll.connect }),
        root: log.subjects.root,
        token,
        runtime: template.runtime,
        models: template.models,
        handler,
        idleMs: o.idleMs ?? 30_000,
        ...(o.heartbeatMs === undefined ? {} : { heartbeatMs: o.heartbeatMs }),
        ...(o.claimWaitMs === undefined ? {} : { claimWaitMs: o.claimWaitMs }),
        onEvent: (event) => {
          tell({ type: 'worker', launchId: e.data.launchId, event });
        },
      });
    } catch (error) {
      onFailed(problemOf('enroll_failed', error));
      return;
    }
    tell({ type: 'started', launchId: e.data.launchId, workerId: shot.workerId });
    await record({
      type: 'record_started',
      data: { launchId: e.data.launchId, project: e.data.project, pool, workerId: shot.workerId },
      meta: { now: now() },
    });
    await shot.worker.done.catch((error: unknown) => {
      onFailed(problemOf('worker_refused', error));
    });
  };

  let round: Promise<void> | undefined;
  let again = false;
  const provision = async (): Promise<void> => {
    if (stopped) return;
    const executed = await host.execute({
      type: 'provision',
      data: { ids: launchIds(o.maxPerRound ?? 16) },
      meta: { now: now() },
    });
    for (const e of executed.events) {
      if (e.type !== 'launch.requested') continue;
      tell({ type: 'requested', event: e });
      const p = launch(e).finally(() => running.delete(p));
      running.add(p);
    }
  };
  /** One round at a time; folds during a round ask for one more after it. */
  const kick = () => {
    if (round !== undefined) {
      again = true;
      return;
    }
    round = provision()
      .catch(onError)
      .finally(() => {
        round = undefined;
        if (again && !stopped) {
          again = false;
          kick();
        }
      });
  };
  const unlisten = host.onFold(() => {
    kick();
  });
  const ticker = setInterval(kick, o.tickMs ?? 1_000);
  kick();

  return {
    host,
    provision: async () => {
      await round;
      await provision();
    },
    running: () => running.size,
    stop: async () => {
      stopped = true;
      clearInterval(ticker);
      unlisten();
      await round;
      await Promise.all([...running]);
      await host.stop();
    },
  };
};
