import { performance } from 'node:perf_hooks';
import {
  ClaimReply,
  DecodeError,
  DEFAULT_ROOT,
  ErrorCode,
  FleetError,
  HeartbeatReply,
  RefusedError,
  subjects,
  UnavailableError,
  WorkerDraining,
  WorkerLeft,
} from '../../events/index.ts';
import type { Assignment, FleetEvent, TaskId } from '../../events/index.ts';
import { sleep, untilAborted } from './abortable.ts';
import { AbortedError } from './aborted-error.ts';
import type { AbortReason } from './aborted-error.ts';
import { backoffMs } from './backoff.ts';
import { reporter } from './reporter.ts';
import type { HandlerOutcome } from './build-report.ts';
import { UserCredentials } from '../../security/user-credentials.ts';
import { signRenewal } from '../../security/renewal-proof.ts';
import { enrollment, renewCredentials } from './enroll.ts';
import type { TaskContext } from './task-context.ts';
import type { WorkerLifecycleEvent } from './worker-lifecycle-event.ts';
import type { WorkerOptions } from './worker-options.ts';
import type { WorkerPhase } from './worker-phase.ts';
import type { Worker } from './worker.ts';

/** Extra time a claim request waits for the reply beyond the dispatcher's long-poll. */
const CLAIM_MARGIN_MS = 2_000;
/** Until the dispatcher first knows the worker, `unknown` means its fold lags, for this long. */
const UNKNOWN_GRACE_MS = 10_000;
/** Heartbeat period while the dispatcher has not folded the enrollment yet. */
const EAGER_BEAT_MS = 50;
const MAX_TIMER_MS = 2 ** 31 - 1;

const encoder = new TextEncoder();
const json = (o: unknown) => encoder.encode(JSON.stringify(o));

interface Running {
  readonly assignment: Assignment;
  readonly controller: AbortController;
  readonly startedAt: number;
  leaseTimer: NodeJS.Timeout | undefined;
  /** The handler has returned or thrown. */
  finished: boolean;
  /** The attempt was taken away or the worker stopped hard: its outcome is not reported. */
  dropped: boolean;
  done: Promise<void>;
}

/**
 * Enrolls a worker with its key and runs it: heartbeats, long-polled claims while it has free
 * slots, the handler per assignment (concurrently, up to capacity), and a report of every
 * outcome appended to the worker's own report subject. Resolves once enrolled; throws what
 * `enroll` throws (`RefusedError` for a refused key). Errors of claims, heartbeats and reports
 * back off and are told to `onEvent`; they never crash the process.
 */
export const createWorker = async (options: WorkerOptions): Promise<Worker> => {
  const root = options.root ?? DEFAULT_ROOT;
  const s = subjects(root);
  const now = options.now ?? Date.now;
  const heartbeatMs = options.heartbeatMs ?? 1_000;
  const claimWaitMs = Math.min(60_000, Math.max(0, options.claimWaitMs ?? 10_000));
  const requestTimeoutMs = options.requestTimeoutMs ?? 5_000;
  const maxBackoffMs = options.maxBackoffMs ?? 5_000;
  const stopGraceMs = options.stopGraceMs ?? 5_000;
  const emit = (event: WorkerLifecycleEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // A listener's failure is not the worker's.
    }
  };

  // Secure mode: the key pair is drawn here and its seed never leaves this process.
  const pair = options.connect === undefined ? undefined : UserCredentials.newPair();
  const { identity, credentials: issued } = await enrollment(
    options.nats,
    root,
    {
      key: options.key,
      ...(options.models === undefined ? {} : { models: [...options.models] }),
      ...(options.labels === undefined ? {} : { labels: options.labels }),
      ...(options.runtime === undefined ? {} : { runtime: options.runtime }),
      ...(options.capacity === undefined ? {} : { capacity: options.capacity }),
      ...(pair === undefined ? {} : { publicKey: pair.getPublicKey() }),
    },
    requestTimeoutMs,
  );
  let creds: UserCredentials | undefined;
  let nc = options.nats;
  if (options.connect !== undefined && pair !== undefined) {
    if (issued === undefined)
      throw new RefusedError(
        'no_credentials',
        'the registrar issued no NATS credentials (it does not run in secure mode)',
      );
    creds = UserCredentials.of(pair, issued.jwt);
    try {
      nc = await options.connect(creds);
    } catch (cause) {
      throw new UnavailableError("cannot connect with the worker's own credentials", { cause });
    }
  }
  /** Set when the worker connected itself: it closes that connection when it ends. */
  const owned = creds === undefined ? undefined : nc;
  emit({ type: 'enrolled', identity });
  const { workerId, project, pool, capacity } = identity;
  const enrolledAt = now();

  let phase: WorkerPhase = 'running';
  // Read through a call where awaits may have changed it (narrowing would not know).
  const current = (): WorkerPhase => phase;
  /** Aborts when the worker stops hard or ends: abandons requests, ends loops. */
  const life = new AbortController();
  /** Aborts when no new claim may be sent (draining, or stopped). */
  const claiming = new AbortController();
  /** Aborts when heartbeats must stop. */
  const beating = new AbortController();
  const running = new Map<TaskId, Running>();
  let recognised = false;
  let lastBeatUnknown = false;
  let leaving = false;

  // Wakes the claim loop when a slot frees or the dispatcher first knows the worker.
  let wake: () => void = () => undefined;
  let changed = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const notify = () => {
    const w = wake;
    changed = new Promise<void>((resolve) => {
      wake = resolve;
    });
    w();
  };
  const claimingStopped = new Promise<void>((resolve) => {
    claiming.signal.addEventListener(
      'abort',
      () => {
        resolve();
      },
      { once: true },
    );
  });

  let settle: (error?: FleetError) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    settle = (error) => {
      if (error === undefined) resolve();
      else reject(error);
    };
  });
  // Marks the rejection handled; whoever awaits `done` still sees it.
  done.catch(() => undefined);

  const end = (error?: FleetError) => {
    if (phase === 'ended') return;
    phase = 'ended';
    unhookSignals();
    emit(error === undefined ? { type: 'ended' } : { type: 'ended', error });
    if (owned === undefined) settle(error);
    else
      void owned
        .close()
        .catch(() => undefined)
        .finally(() => {
          settle(error);
        });
  };

  const abortAttempt = (r: Running, why: AbortReason, message: string) => {
    clearTimeout(r.leaseTimer);
    if (r.finished || r.controller.signal.aborted) return;
    const { taskId, attempt } = r.assignment;
    emit({ type: 'task_aborted', taskId, attempt, why });
    r.controller.abort(new AbortedError(why, message));
  };

  /** Stops claiming and heartbeats and aborts every attempt, reporting nothing more. */
  const stopHard = () => {
    phase = 'stopping';
    life.abort();
    claiming.abort();
    beating.abort();
    for (const r of running.values()) {
      r.dropped = true;
      abortAttempt(r, 'worker_stopped', 'the worker stopped');
    }
  };

  /** Ends the worker with `error` after a hard stop, giving aborted handlers a grace to return. */
  let failure: FleetError | undefined;
  const fail = (error: FleetError) => {
    if (phase === 'stopping' || phase === 'ended') return;
    failure = error;
    if (error instanceof RefusedError)
      emit({ type: 'refused', reason: error.reason, detail: error.message });
    stopHard();
    const handlers = Promise.all([...running.values()].map((r) => r.done));
    const grace = new AbortController();
    Promise.race([handlers, sleep(stopGraceMs, grace.signal)]).then(
      () => {
        grace.abort();
        end(error);
      },
      () => {
        end(error);
      },
    );
  };

  const reports = reporter({
    nc,
    root,
    identity,
    requestTimeoutMs,
    maxBackoffMs,
    signal: life.signal,
  });
  const append = (event: FleetEvent): Promise<number> => reports.append(event);

  // --- heartbeats -------------------------------------------------------------------------

  const onBeat = (reply: HeartbeatReply) => {
    if (phase === 'stopping' || phase === 'ended') return;
    lastBeatUnknown = reply.status === 'unknown';
    switch (reply.status) {
      case 'active':
      case 'draining':
        if (!recognised) {
          recognised = true;
          emit({ type: 'active' });
          notify();
        }
        break;
      case 'unknown':
        if (recognised || now() - enrolledAt > UNKNOWN_GRACE_MS)
          fail(new RefusedError('unknown_worker', 'the dispatcher does not know this worker'));
        return;
      case 'left':
        if (!leaving) fail(new RefusedError('worker_left', 'the worker is recorded as left'));
        return;
      case 'lost':
        fail(new RefusedError('worker_lost', 'the dispatcher declared this worker lost'));
        return;
      case 'revoked':
        fail(new RefusedError('worker_revoked', 'the worker was revoked'));
        return;
      default: {
        const never: never = reply.status;
        return never;
      }
    }
    for (const { taskId, attempt } of reply.abort) {
      const r = running.get(taskId);
      if (r?.assignment.attempt !== attempt || r.finished) continue;
      r.dropped = true;
      abortAttempt(r, 'taken_away', 'the dispatcher no longer counts this attempt as held');
    }
  };

  const beat = async (): Promise<void> => {
    const subject = s.heartbeat(project, pool, workerId);
    const attempts = [...running.values()]
      .filter((r) => !r.dropped)
      .map((r) => ({ taskId: r.assignment.taskId, attempt: r.assignment.attempt }));
    try {
      const m = await nc.request(subject, json({ attempts }), {
        timeout: Math.max(1_000, 2 * heartbeatMs),
      });
      let body: unknown;
      try {
        body = m.json<unknown>();
      } catch (cause) {
        throw new DecodeError(ErrorCode.MalformedJson, 'heartbeat reply is not JSON', subject, {
          cause,
        });
      }
      const reply = HeartbeatReply.safeParse(body);
      if (!reply.success)
        throw new DecodeError(ErrorCode.SchemaInvalid, 'heartbeat reply is not valid', subject, {
          cause: reply.error,
        });
      onBeat(reply.data);
    } catch (error) {
      if (phase === 'running' || phase === 'draining') emit({ type: 'heartbeat_error', error });
    }
  };

  const beats = new Set<Promise<void>>();
  const heartbeatLoop = async () => {
    while (!beating.signal.aborted) {
      // Beats go out on schedule even when a reply is slow: the dispatcher counts arrivals.
      const p: Promise<void> = beat().finally(() => beats.delete(p));
      beats.add(p);
      // Until the dispatcher knows the worker, each answer matters: it starts claiming.
      if (!recognised) await p;
      const eager = !recognised && lastBeatUnknown;
      await sleep(eager ? Math.min(heartbeatMs, EAGER_BEAT_MS) : heartbeatMs, beating.signal);
    }
  };

  // --- attempts ---------------------------------------------------------------------------

  const run = async (r: Running): Promise<void> => {
    const a = r.assignment;
    const context: TaskContext = {
      taskId: a.taskId,
      project: a.project,
      pool: a.pool,
      attempt: a.attempt,
      payload: a.payload,
      leaseExpiresAt: a.leaseExpiresAt,
      timeoutMs: a.timeoutMs,
      signal: r.controller.signal,
    };
    const started = performance.now();
    let outcome: HandlerOutcome;
    try {
      outcome = { ok: true, result: await options.handler(context) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    const durationMs = performance.now() - started;
    r.finished = true;
    clearTimeout(r.leaseTimer);
    try {
      if (r.dropped || life.signal.aborted) {
        emit({ type: 'task_dropped', taskId: a.taskId, attempt: a.attempt });
        return;
      }
      const report = reports.build({ assignment: a, outcome, durationMs, at: now() });
      const seq = await append(report);
      emit({
        type: 'task_reported',
        taskId: a.taskId,
        attempt: a.attempt,
        outcome: report.type === 'task.completed' ? 'completed' : 'failed',
        durationMs: report.data.usage.durationMs,
        seq,
      });
    } catch (error) {
      emit({ type: 'report_failed', taskId: a.taskId, attempt: a.attempt, error });
    } finally {
      running.delete(a.taskId);
      notify();
    }
  };

  const start = (a: Assignment) => {
    // The dispatcher only sends the worker's own work; anything else is not for this worker.
    if (a.project !== project || a.pool !== pool || running.has(a.taskId)) return;
    const r: Running = {
      assignment: a,
      controller: new AbortController(),
      startedAt: now(),
      leaseTimer: undefined,
      finished: false,
      dropped: false,
      done: Promise.resolve(),
    };
    r.leaseTimer = setTimeout(
      () => {
        abortAttempt(r, 'lease_expired', `the lease of attempt ${a.attempt} expired`);
      },
      Math.min(MAX_TIMER_MS, Math.max(0, a.leaseExpiresAt - now())),
    );
    running.set(a.taskId, r);
    emit({
      type: 'task_started',
      taskId: a.taskId,
      attempt: a.attempt,
      leaseExpiresAt: a.leaseExpiresAt,
    });
    r.done = run(r);
  };

  // --- claims -----------------------------------------------------------------------------

  const claim = async (max: number): Promise<ClaimReply> => {
    const subject = s.claim(project, pool, workerId);
    const m = await nc.request(subject, json({ max: Math.min(1_000, max), waitMs: claimWaitMs }), {
      timeout: claimWaitMs + CLAIM_MARGIN_MS,
    });
    let body: unknown;
    try {
      body = m.json<unknown>();
    } catch (cause) {
      throw new DecodeError(ErrorCode.MalformedJson, 'claim reply is not JSON', subject, { cause });
    }
    const reply = ClaimReply.safeParse(body);
    if (reply.success) return reply.data;
    // The dispatcher answers `{ error }` to a claim it could not read.
    const said =
      typeof body === 'object' && body !== null && 'error' in body ? String(body.error) : undefined;
    if (said !== undefined) throw new UnavailableError(`the dispatcher did not serve: ${said}`);
    throw new DecodeError(ErrorCode.SchemaInvalid, 'claim reply is not valid', subject, {
      cause: reply.error,
    });
  };

  /** The claim being answered, if any (a reconnect waits for it: its answer would be lost). */
  let claimInFlight: Promise<unknown> = Promise.resolve();
  /** While set, no new claim is sent (the connection is about to be replaced). */
  let claimsHeld: Promise<void> | undefined;

  const claimLoop = async () => {
    let failures = 0;
    while (!claiming.signal.aborted) {
      if (claimsHeld !== undefined) {
        await Promise.race([claimsHeld, claimingStopped]);
        continue;
      }
      if (!recognised || running.size >= capacity) {
        await Promise.race([changed, claimingStopped]);
        continue;
      }
      let reply: ClaimReply | undefined;
      try {
        const asked = claim(capacity - running.size);
        claimInFlight = asked.catch(() => undefined);
        // An abandoned claim may still bring assignments; their leases requeue them.
        reply = await untilAborted(asked, life.signal);
      } catch (error) {
        if (life.signal.aborted) break;
        failures += 1;
        const retryInMs = backoffMs(failures, { capMs: maxBackoffMs });
        emit({ type: 'claim_error', error, retryInMs });
        await sleep(retryInMs, claiming.signal);
        continue;
      }
      if (reply === undefined) break;
      failures = 0;
      if ('refused' in reply) {
        const { reason, detail } = reply.refused;
        // Someone (or this worker's own drain) marked it draining: finish up and leave.
        if (reason === 'worker_draining') beginDrain();
        else fail(new RefusedError(reason, detail));
        break;
      }
      // Assignments received while draining are still this worker's to run.
      for (const a of reply.assignments) start(a);
    }
  };

  // --- credentials (secure mode) -----------------------------------------------------------

  /**
   * Renews the credentials at two thirds of their lifetime (on the wall clock, which the server
   * checks them against), then reconnects so the new JWT is in force before the old one lapses.
   * A refusal (revoked, lost) ends the worker; other failures are retried until expiry.
   */
  const renewalLoop = async (c: UserCredentials) => {
    // Read through a call: awaits below may abort it (narrowing would not know).
    const over = () => life.signal.aborted;
    let receivedAt = Date.now();
    let failures = 0;
    while (!life.signal.aborted) {
      const expiresAt = c.expiresAt;
      if (expiresAt === undefined) return;
      const due =
        failures === 0
          ? receivedAt + ((expiresAt - receivedAt) * 2) / 3
          : Date.now() + backoffMs(failures, { capMs: maxBackoffMs });
      await sleep(Math.min(MAX_TIMER_MS, Math.max(0, due - Date.now())), life.signal);
      if (over()) return;
      try {
        const at = Date.now();
        const signature = signRenewal((d) => c.sign(d), root, workerId, at);
        const renewed = await renewCredentials(
          nc,
          root,
          { renew: { workerId, jwt: c.jwt(), at, signature } },
          requestTimeoutMs,
        );
        if (renewed.credentials === undefined)
          throw new UnavailableError('the renewal brought no credentials');
        c.update(renewed.credentials.jwt);
        receivedAt = Date.now();
        failures = 0;
        emit({ type: 'credentials_renewed', expiresAt: renewed.credentials.expiresAt });
      } catch (error) {
        if (error instanceof RefusedError) {
          fail(error);
          return;
        }
        failures += 1;
        emit({ type: 'renewal_error', error });
        continue;
      }
      // A reconnect fails the requests in flight: a claim's answer (assignments) would be lost,
      // so no new claim goes out and the one under way is answered first. Heartbeats and reports
      // in flight are retried. A failed reconnect leaves the new JWT for the next one, at the
      // latest when the server cuts the old one at its expiry.
      let release: () => void = () => undefined;
      claimsHeld = new Promise<void>((resolve) => {
        release = resolve;
      });
      try {
        await untilAborted(claimInFlight, life.signal);
        if (!over()) await nc.reconnect().catch(() => undefined);
      } finally {
        claimsHeld = undefined;
        release();
      }
    }
  };

  // --- drain and signals ------------------------------------------------------------------

  const drainSteps = async () => {
    phase = 'draining';
    emit({ type: 'draining' });
    claiming.abort();
    const ref = { workerId, project, pool };
    try {
      await append(
        WorkerDraining.parse({ type: 'worker.draining', data: ref, meta: { at: now() } }),
      );
    } catch (error) {
      emit({ type: 'append_failed', what: 'draining', error });
    }
    // The claim under way returns (refused once the dispatcher folds the drain) before leaving.
    await claimLoopDone;
    while (running.size > 0) await Promise.all([...running.values()].map((r) => r.done));
    if (current() !== 'draining') return; // stopped hard meanwhile; `fail` ends the worker
    leaving = true;
    let notLeft: FleetError | undefined;
    try {
      await append(WorkerLeft.parse({ type: 'worker.left', data: ref, meta: { at: now() } }));
      emit({ type: 'left' });
    } catch (error) {
      emit({ type: 'append_failed', what: 'left', error });
      notLeft =
        error instanceof FleetError
          ? error
          : new UnavailableError('worker.left was not stored', { cause: error });
    }
    beating.abort();
    await heartbeatLoopDone;
    await Promise.all([...beats]);
    life.abort();
    end(notLeft);
  };

  let draining: Promise<void> | undefined;
  const beginDrain = () => {
    if (phase !== 'running' || draining !== undefined) return;
    draining = drainSteps().catch((cause: unknown) => {
      fail(new UnavailableError('the drain failed', { cause }));
    });
  };

  const drain = (): Promise<void> => {
    beginDrain();
    return done;
  };

  const kill = (): Promise<void> => {
    if (phase !== 'ended') {
      stopHard();
      emit({ type: 'killed' });
      end(failure);
    }
    return done.catch(() => undefined);
  };

  let signals = 0;
  const onSignal = () => {
    signals += 1;
    if (signals === 1) beginDrain();
    else void kill();
  };
  const unhookSignals = () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
  if (options.handleSignals === true) {
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }

  const internal = (what: string) => (cause: unknown) => {
    fail(new UnavailableError(`the ${what} failed`, { cause }));
  };
  const heartbeatLoopDone = heartbeatLoop().catch(internal('heartbeat loop'));
  const claimLoopDone = claimLoop().catch(internal('claim loop'));
  if (creds !== undefined) void renewalLoop(creds).catch(internal('renewal loop'));
  nc.closed().then((cause) => {
    fail(new UnavailableError('the NATS connection closed', { cause }));
  }, internal('connection'));

  return {
    id: workerId,
    nats: nc,
    identity,
    done,
    inFlight: () =>
      [...running.values()]
        .filter((r) => !r.dropped)
        .map((r) => ({
          taskId: r.assignment.taskId,
          project: r.assignment.project,
          pool: r.assignment.pool,
          attempt: r.assignment.attempt,
          leaseExpiresAt: r.assignment.leaseExpiresAt,
          startedAt: r.startedAt,
        })),
    phase: () => phase,
    drain,
    stop: drain,
    kill,
  };
};
