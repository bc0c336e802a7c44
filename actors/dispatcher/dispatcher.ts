import { randomUUID } from 'node:crypto';
import type { Msg, Subscription } from '@nats-io/transport-node';
import { compileChecks } from '../../events/index.ts';
import type { DispatchCommand, PoolId } from '../../events/index.ts';
import type { DispatcherConfig, DispatchState } from '../../domain/pool/index.ts';
import { ActorHost } from '../host/actor-host.ts';
import type { HostOptions } from '../host/actor-host.ts';
import { DivergedError } from '../host/diverged.ts';
import type { EventLog } from '../../log/index.ts';
import type { Snapshots } from '../host/snapshots.ts';
import { claimService } from './claim-service.ts';
import { TaskTraces } from './task-traces.ts';
import { dispatcherLogic } from './dispatcher-logic.ts';
import { livenessTracker } from './liveness-tracker.ts';
import { overheardClaims } from './overheard-claims.ts';
import { requestGate } from './request-gate.ts';
import type { RequestRefused } from './request-gate.ts';
import { requestHandler } from './request-handler.ts';
import { taskStatusService } from './task-status-service.ts';

export type { RequestKind, RequestRefusal, RequestRefused } from './request-gate.ts';

/** Options of a running dispatcher. */
export interface DispatcherOptions {
  readonly log: EventLog;
  readonly pool: PoolId;
  readonly config?: Partial<Omit<DispatcherConfig, 'pool'>>;
  readonly snapshots?: Snapshots;
  /** Most assignments per round (default 1000). */
  readonly budget?: number;
  /** The clock (default `Date.now`). */
  readonly now?: () => number;
  /** Told of errors the dispatcher survived. */
  readonly onError?: (error: unknown) => void;
  /** Told every `progressEveryMs` (2 s) how far the catch-up with the log is, until ready. */
  readonly onProgress?: HostOptions['onProgress'];
  readonly progressEveryMs?: number;
  /** How the dispatcher's host bounds conflicts re-reading does not resolve (see ActorHost). */
  readonly divergence?: Pick<HostOptions, 'maxUnresolvedConflicts' | 'divergedPauseMs'>;
  /**
   * Told of each request left unanswered because its reply subject is not the requester's own
   * inbox (a JetStream API subject, a stored subject, another user's inbox): the dispatcher
   * would answer with its own rights, so it answers nobody. Also counted in `refusals()`.
   */
  readonly onRefused?: (refusal: RequestRefused) => void;
  /**
   * Largest status reply in bytes; a report that would make it larger is left out
   * (`reportOmitted: 'too_large'`). The server's max payload by default, and never above it.
   */
  readonly maxReplyBytes?: number;
  /**
   * Most long-polls held at once, of claims, of status requests and of heartbeats waiting for
   * the fold to catch up, each (default 10,000). Beyond it a claim or such a heartbeat is
   * refused as `unavailable` (the worker backs off and asks again) and a status request is
   * answered at once: memory stays bounded whoever floods the subjects.
   */
  readonly maxWaiting?: number;
  /**
   * Start as a standby: fold the pool, note heartbeats and overhear claims, but serve nothing
   * until `serve()` (the pool's lease decides when; see actors/lease). Default false: serving
   * from the start.
   */
  readonly standby?: boolean;
}

/** A running dispatcher of one pool. */
export interface Dispatcher {
  readonly host: ActorHost<DispatchState, DispatchCommand>;
  /** Claims waiting for work (long-polled). */
  readonly waiting: () => number;
  /**
   * Requests refused since start without being served, by `<claim|hb|status>:<reason>` (a body
   * that is not JSON, not valid, or on a subject that does not parse; a claim without a reply
   * subject). Refused claims of valid requests are stored events, folded into `claimsRefused`.
   */
  refusals(): Readonly<Record<string, number>>;
  /** Runs a liveness check now (also runs on a timer). */
  checkLiveness(): Promise<void>;
  /** Whether it serves claims, heartbeats and status requests now, or stands by. */
  readonly serving: () => boolean;
  /**
   * Starts serving (a standby taking over); a no-op when serving or given up. The claims it
   * overheard while standing by are answered at once with what their workers hold, so a worker
   * whose claim the dead active dispatcher held asks again here without waiting for a timeout.
   */
  serve(): void;
  /**
   * Stops serving and keeps folding (deposed: its lease lapsed): waiting claims are answered
   * with nothing, so their workers ask again and reach the pool's new active dispatcher; it
   * overhears claims again, as a standby does — unless `overhear` is false (it is stopping: a
   * claim it heard would wait unanswered, where with nobody listening its worker is told at
   * once that nobody serves).
   */
  standBy(options?: { readonly overhear?: boolean }): Promise<void>;
  /**
   * Resolves with the error the dispatcher gave up with (its log diverged from what it folded):
   * it then serves nothing more; stop it and exit.
   */
  readonly failed: Promise<Error>;
  stop(): Promise<void>;
}

/**
 * Starts the dispatcher of a pool: folds the pool's events, serves workers' long-polled claims
 * in rounds (replying only with appended, folded assignments), tracks heartbeats, and declares
 * silent workers lost and abandoned attempts requeued. Several dispatchers may serve one pool:
 * exclusive appends make them take turns, never assign one attempt twice.
 */
export const startDispatcher = async (options: DispatcherOptions): Promise<Dispatcher> => {
  const { log, pool } = options;
  // Before serving: compiling at the first submission would stall the heartbeats behind it.
  compileChecks();
  const now = options.now ?? Date.now;
  const onError = options.onError ?? (() => undefined);
  const config = { ...options.config, pool };
  const host = await ActorHost.start(log, dispatcherLogic(log.subjects, config), {
    onError,
    ...options.divergence,
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    ...(options.progressEveryMs === undefined ? {} : { progressEveryMs: options.progressEveryMs }),
    ...(options.snapshots === undefined ? {} : { snapshots: options.snapshots }),
  });
  // The host tells of giving up once; the commands that fail with it afterwards need not.
  const onCommandError = (e: unknown) => {
    if (!(e instanceof DivergedError)) onError(e);
  };
  const maxWaiting = options.maxWaiting ?? 10_000;
  const gate = requestGate(options.onRefused);
  const traces = new TaskTraces();
  const claims = claimService({
    traces,
    host,
    gate,
    root: log.subjects.root,
    now,
    budget: options.budget ?? 1000,
    maxWaiting,
    onCommandError,
  });
  // A standby hears the pool's claims too, to answer those a dead active one held (handOver).
  const overheard = overheardClaims({
    nc: log.nc,
    subject: log.subjects.poolClaims(pool),
    root: log.subjects.root,
    now,
    maxWaiting,
    ownerOf: (workerId, project) => {
      const w = host.state.workers[workerId];
      return w?.capability.project === project ? w.publicKey : false;
    },
  });
  let serving: Subscription[] | undefined;
  /** This term of service, new at each start of serving: heartbeat replies name it. */
  let term: string | undefined;
  const liveness = livenessTracker({
    host,
    log,
    gate,
    now,
    maxWaiting,
    onError,
    answering: () => serving !== undefined,
    server: () => (serving === undefined ? undefined : term),
  });
  const status = taskStatusService({
    state: () => host.state,
    log,
    pool,
    gate,
    maxWaiting,
    maxReplyBytes: options.maxReplyBytes,
    onError,
  });

  const handle = requestHandler(gate);
  /** A handler that throws is told to `onError`; it must never reach the connection's reader. */
  const guarded = (handler: (msg: Msg) => void) => (err: Error | null, msg: Msg) => {
    if (err !== null) {
      onError(err);
      return;
    }
    try {
      handler(msg);
    } catch (e) {
      onError(e);
    }
  };
  const onClaim = guarded(handle(claims.reader, claims.serve));
  const onStatus = guarded(handle(status.reader, status.serve));
  const onHeartbeat = guarded(handle(liveness.reader, liveness.serve));

  const queue = `fleet-dispatch-${pool}`;
  // Every dispatcher of the pool hears every heartbeat; only a serving one answers.
  const beats = log.nc.subscribe(log.subjects.poolHeartbeats(pool), { callback: onHeartbeat });
  const unlisten = host.onFold(({ entry, traceparent }) => {
    traces.onFold(entry, traceparent);
    liveness.onFold(entry);
    claims.onFold();
    status.onFold(entry);
  });
  const heartbeatMs = host.state.config.heartbeatMs;
  let ticker: NodeJS.Timeout | undefined;
  let halted = false;
  const serve = () => {
    if (serving !== undefined || halted) return;
    term = randomUUID();
    serving = [
      log.nc.subscribe(log.subjects.poolClaims(pool), { queue, callback: onClaim }),
      log.nc.subscribe(log.subjects.poolStatus(pool), { queue, callback: onStatus }),
      log.nc.subscribe(log.subjects.poolStatusOwned(pool), { queue, callback: onStatus }),
    ];
    // Subscribed first, then no longer overheard: a claim sent meanwhile is served, not lost.
    const held = overheard.take();
    liveness.takeOver();
    claims.resume();
    claims.handOver(held).catch(onCommandError);
    ticker = setInterval(
      () => {
        liveness.checkLiveness().catch(onCommandError);
      },
      Math.max(50, Math.floor(heartbeatMs / 2)),
    );
  };
  /** Stops serving; resolves once no round is under way. */
  const unserve = async (overhear = true) => {
    const subs = serving;
    if (subs === undefined) return;
    serving = undefined;
    claims.halt();
    clearInterval(ticker);
    liveness.standBy();
    // Overheard from before the last claim it holds is answered: none falls between the two.
    if (overhear && !halted) overheard.listen();
    for (const s of subs) s.unsubscribe();
    await host.mailbox.idle();
    claims.release();
  };
  const halt = () => {
    halted = true;
    overheard.take();
    void unserve();
    unlisten();
    beats.unsubscribe();
  };
  if (options.standby === true) overheard.listen();
  else serve();
  // Given up: no more rounds or liveness checks, which would only fail again and again.
  void host.failed.then(halt);
  await log.nc.flush();

  return {
    failed: host.failed,
    host,
    waiting: claims.waiting,
    refusals: () => gate.refusals(),
    checkLiveness: liveness.checkLiveness,
    serving: () => serving !== undefined,
    serve: () => {
      serve();
      void log.nc.flush().catch(onError);
    },
    standBy: (o) => unserve(o?.overhear),
    stop: async () => {
      halt();
      await host.mailbox.idle();
      claims.release();
      await status.stop();
      await host.snapshot().catch(onError);
      await host.stop();
    },
  };
};
