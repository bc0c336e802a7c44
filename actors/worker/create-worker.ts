import { DEFAULT_ROOT, UnavailableError } from '../../events/index.ts';
import { sleep } from './abortable.ts';
import { AttemptTraces } from './attempt-traces.ts';
import { attemptRunner } from './attempt-runner.ts';
import { enrollWorker } from './enroll-worker.ts';
import { renewalLoop } from './renewal-loop.ts';
import { settlement } from './settlement.ts';
import { hookSignals } from './signal-hook.ts';
import { transition } from './transition.ts';
import type { WorkerEffect } from './worker-effect.ts';
import type { WorkerEvent } from './worker-event.ts';
import type { WorkerOptions } from './worker-options.ts';
import { phaseOf } from './worker-phase.ts';
import { workerRequests } from './worker-requests.ts';
import { initialState, isHeld } from './worker-state.ts';
import type { WorkerState } from './worker-state.ts';
import type { Worker } from './worker.ts';

/**
 * Enrolls a worker with its key and runs it: heartbeats, long-polled claims while it has free
 * slots, the handler per assignment (concurrently, up to capacity), and a report of every
 * outcome appended to the worker's own report subject. Resolves once enrolled; throws what
 * `enroll` throws (`RefusedError` for a refused key). Errors of claims, heartbeats and reports
 * back off and are told to `onEvent`; they never crash the process.
 *
 * What the worker does is decided by `transition` alone: this shell carries out the effects it
 * decides (requests, timers, handlers) and feeds back what comes of them as events.
 */
export const createWorker = async (options: WorkerOptions): Promise<Worker> => {
  const root = options.root ?? DEFAULT_ROOT;
  const now = options.now ?? Date.now;
  const heartbeatMs = options.heartbeatMs ?? 1_000;
  const claimWaitMs = Math.min(60_000, Math.max(0, options.claimWaitMs ?? 10_000));
  const requestTimeoutMs = options.requestTimeoutMs ?? 5_000;
  const maxBackoffMs = options.maxBackoffMs ?? 5_000;
  const stopGraceMs = options.stopGraceMs ?? 5_000;

  const { identity, nc, credentials } = await enrollWorker(options, root, requestTimeoutMs);
  const { workerId, project, pool, capacity } = identity;
  const settings = { project, pool, capacity, heartbeatMs, maxBackoffMs, stopGraceMs };
  let state: WorkerState = initialState({ ...settings, enrolledAt: now() });

  // Cancellations, one per effect that stops something. They decide nothing: the state does.
  /** Aborts when the worker stops hard or ends: abandons requests, retries and the renewal. */
  const abandoned = new AbortController();
  const claiming = new AbortController();
  const beating = new AbortController();
  const ending = new AbortController();
  const timing = { heartbeatMs, claimWaitMs, requestTimeoutMs, maxBackoffMs };
  /** The claim under way: one sent before it and answered now is a late one. */
  let claimId = 0;
  /** The backoff under way: a claim sent cuts it short (the serving dispatcher changed). */
  let backoff = new AbortController();
  const traces = new AttemptTraces();
  const requests = workerRequests({
    nc,
    root,
    identity,
    now,
    signal: abandoned.signal,
    traces,
    ...timing,
  });
  const handlers = attemptRunner(
    options.handler,
    (event) => {
      dispatch(event);
    },
    traces,
    (assignment, progress) => {
      requests.progress(assignment, progress);
    },
  );

  const { done, settle } = settlement();
  const unhookSignals =
    options.handleSignals === true
      ? hookSignals(() => {
          dispatch({ type: 'signal_received' });
        })
      : () => undefined;

  /** Effects decided and not yet carried out; the one being carried out stays first meanwhile. */
  const queue: WorkerEffect[] = [];
  /** Callbacks told of every change of state. */
  const watchers = new Set<() => void>();

  /**
   * Runs the machine on `event` and carries out what it decides. An event that comes while
   * effects are being carried out (a listener that drains, say) changes the state at once, and
   * its effects follow those decided before it.
   */
  const dispatch = (event: WorkerEvent): void => {
    const next = transition(state, event, now());
    state = next.state;
    for (const watch of [...watchers]) watch();
    const idle = queue.length === 0;
    queue.push(...next.effects);
    if (!idle) return;
    for (let effect = queue[0]; effect !== undefined; effect = queue[0]) {
      try {
        carryOut(effect);
      } catch (cause) {
        queueMicrotask(() => {
          fault('worker')(cause);
        });
      } finally {
        queue.shift();
      }
    }
  };
  /** A fault of the shell itself stops the worker, as a closed connection would. */
  const fault = (what: string) => (cause: unknown) => {
    dispatch({ type: 'failed', error: new UnavailableError(`the ${what} failed`, { cause }) });
  };
  const feed = (what: string, outcome: Promise<WorkerEvent | undefined>) => {
    outcome
      .then((event) => {
        if (event !== undefined) dispatch(event);
      })
      .catch(fault(what));
  };
  const after = (ms: number, signal: AbortSignal, event: WorkerEvent) => {
    feed(
      'timer',
      sleep(ms, signal).then(() => (signal.aborted ? undefined : event)),
    );
  };
  /** Resolves once `ok` holds of the state. */
  const until = (ok: (s: WorkerState) => boolean): Promise<void> =>
    new Promise((resolve) => {
      const watch = () => {
        if (!ok(state)) return;
        watchers.delete(watch);
        resolve();
      };
      watchers.add(watch);
      watch();
    });

  const carryOut = (effect: WorkerEffect): void => {
    switch (effect.type) {
      case 'emit':
        try {
          options.onEvent?.(effect.event);
        } catch {
          // A listener's failure is not the worker's.
        }
        return;
      case 'beat':
        feed('heartbeat', requests.beat(effect.attempts));
        return;
      case 'wait_beat':
        after(effect.ms, beating.signal, { type: 'beat_due' });
        return;
      case 'claim': {
        // Abandoned by a hard stop, a claim may still bring assignments: their leases requeue them.
        backoff.abort();
        claimId += 1;
        const id = claimId;
        // Numbered only for a dispatcher that names its term (one that knows the field): an
        // older one refuses a claim with a field it does not know.
        const numbered = state.server === undefined ? undefined : id;
        feed(
          'claim',
          requests.claim(effect.max, numbered, () => id !== claimId),
        );
        return;
      }
      case 'back_off':
        backoff = new AbortController();
        if (claiming.signal.aborted) backoff.abort();
        after(effect.ms, backoff.signal, { type: 'backoff_over' });
        return;
      case 'start':
        feed('handler', handlers.start(effect.assignment, effect.leaseMs));
        return;
      case 'extend_lease':
        handlers.extend(effect.taskId, effect.attempt, effect.leaseExpiresAt, effect.leaseMs);
        return;
      case 'abort':
        handlers.abort(effect.taskId, effect.why, effect.message);
        return;
      case 'report':
        feed('report', requests.report(effect));
        return;
      case 'append':
        feed('append', requests.append(effect.what, effect.at));
        return;
      case 'stop_claims':
        claiming.abort();
        backoff.abort();
        return;
      case 'stop_beats':
        beating.abort();
        return;
      case 'abandon':
        abandoned.abort();
        return;
      case 'wait_grace':
        after(effect.ms, ending.signal, { type: 'grace_over' });
        return;
      case 'reconnect':
        feed('reconnect', requests.reconnect());
        return;
      case 'end':
        ending.abort();
        unhookSignals();
        if (credentials === undefined) {
          settle(effect.error);
          return;
        }
        // The worker connected itself: it closes that connection.
        void nc
          .close()
          .catch(() => undefined)
          .finally(() => {
            settle(effect.error);
          });
        return;
      default: {
        const never: never = effect;
        return never;
      }
    }
  };

  dispatch({ type: 'started', identity });
  if (credentials !== undefined)
    renewalLoop({
      credentials,
      nc,
      root,
      workerId,
      requestTimeoutMs,
      maxBackoffMs,
      signal: abandoned.signal,
      dispatch,
      reconnect: () => {
        dispatch({ type: 'reconnect_wanted' });
        return until((s) => s.connection === 'steady');
      },
    }).catch(fault('renewal loop'));
  nc.closed().then((cause) => {
    dispatch({
      type: 'failed',
      error: new UnavailableError('the NATS connection closed', { cause }),
    });
  }, fault('connection'));

  const drain = (): Promise<void> => {
    dispatch({ type: 'drain_requested' });
    return done;
  };
  return {
    id: workerId,
    nats: nc,
    identity,
    done,
    inFlight: () =>
      state.attempts.filter(isHeld).map(({ assignment: a, startedAt }) => ({
        taskId: a.taskId,
        project: a.project,
        pool: a.pool,
        attempt: a.attempt,
        leaseExpiresAt: a.leaseExpiresAt,
        startedAt,
      })),
    phase: () => phaseOf(state.life),
    drain,
    stop: drain,
    kill: () => {
      dispatch({ type: 'kill_requested' });
      return done.catch(() => undefined);
    },
  };
};
