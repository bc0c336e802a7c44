import { randomBytes } from 'node:crypto';
import type { Msg, Subscription } from '@nats-io/transport-node';
import { EnrollRequest, WorkerId } from '../../events/index.ts';
import type { EnrollRefusal, EnrollReply, ProjectId } from '../../events/index.ts';
import { ActorHost } from '../host/actor-host.ts';
import type { EventLog } from '../host/event-log.ts';
import { Mailbox } from '../host/mailbox.ts';
import { decide } from './decide.ts';
import type { EnrollDecision } from './decide.ts';
import type { EnrollCommand } from './enroll-command.ts';
import { FailureLimiter } from './failure-limiter.ts';
import type { FailureLimiterOptions } from './failure-limiter.ts';
import { hashSecret, parseKeyToken } from './keys.ts';
import { registrarLogic } from './registrar-logic.ts';
import type { RegistrarState } from './state.ts';

/** Options of a running registrar. */
export interface RegistrarOptions {
  readonly log: EventLog;
  /** The clock (default `Date.now`). */
  readonly now?: () => number;
  /** Draws a new worker's id (default `w` and 16 random hex digits). */
  readonly newWorkerId?: () => string;
  /** Told of errors the registrar survived. Never given a secret. */
  readonly onError?: (error: unknown) => void;
  /** Failed attempts per key before `rate_limited` (default 10 per minute, per registrar). */
  readonly rateLimit?: FailureLimiterOptions;
  /** Queue group on the enrollment subject (default `fleet-registrar`). */
  readonly queue?: string;
  /** Lost races in a row before an enrollment gives up (default 32). */
  readonly maxConflicts?: number;
}

/** Counts since start, for operators. */
export interface RegistrarStats {
  readonly enrolled: number;
  readonly refused: Readonly<Partial<Record<EnrollRefusal, number>>>;
  /** Enrollments that failed for want of the log (answered `{ error }`). */
  readonly errors: number;
}

/** A running registrar. */
export interface Registrar {
  readonly host: ActorHost<RegistrarState, EnrollCommand>;
  /**
   * Handles one enrollment body (what a worker sends on `subjects.enroll()`) and answers as
   * the subscription would. Throws only when the log fails.
   */
  enroll(body: unknown): Promise<EnrollReply>;
  stats(): RegistrarStats;
  /** Stops answering, finishes enrollments under way, stops folding. */
  stop(): Promise<void>;
}

/** Refusals that are guesses at a key; only these count towards the rate limit. */
const GUESSES: Readonly<Set<EnrollRefusal>> = new Set(['unknown_key', 'bad_secret']);

const encoder = new TextEncoder();
const respond = (msg: Msg, body: EnrollReply | { error: string }) => {
  msg.respond(encoder.encode(JSON.stringify(body)));
};

const defaultWorkerId = (): string => `w${randomBytes(8).toString('hex')}`;

/**
 * Starts a registrar: folds every key (`<root>.*._keys.*`), answers enrollment requests on
 * `<root>_rpc.enroll` (a queue group, so several registrars share the load), and admits a
 * worker only once its key's use (appended exclusively on the key's subject) and its
 * membership (on its member subject) are stored. Refusals are answered, never stored; the
 * secret is hashed on arrival and neither written nor logged.
 */
export const startRegistrar = async (options: RegistrarOptions): Promise<Registrar> => {
  const { log } = options;
  const now = options.now ?? Date.now;
  const onError = options.onError ?? (() => undefined);
  const newWorkerId = options.newWorkerId ?? defaultWorkerId;
  const instance = randomBytes(6).toString('hex');
  const host = await ActorHost.start(log, registrarLogic(log.subjects, instance), {
    onError,
    maxConflicts: options.maxConflicts ?? 32,
  });
  const limiter = new FailureLimiter(options.rateLimit);
  // The rate limit is checked and charged at decision time, one enrollment at a time, so a
  // burst of guesses cannot all pass the check before the first failure is counted.
  const gate = new Mailbox();
  const inflight = new Set<Promise<void>>();
  let enrolled = 0;
  let errors = 0;
  const refusedBy: Partial<Record<EnrollRefusal, number>> = {};

  const refused = (reason: EnrollRefusal, detail: string): EnrollReply => {
    refusedBy[reason] = (refusedBy[reason] ?? 0) + 1;
    return { refused: { reason, detail } };
  };

  const enroll = async (body: unknown): Promise<EnrollReply> => {
    const parsed = EnrollRequest.safeParse(body);
    if (!parsed.success) {
      // Paths and messages only: zod's messages do not echo values, so the key stays unquoted.
      const detail = parsed.error.issues
        .map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`)
        .join('; ');
      return refused('invalid_request', detail);
    }
    const { key, ...request } = parsed.data;
    const token = parseKeyToken(key);
    if (!token.ok) return refused('invalid_request', token.error.message);
    const { keyId, secret } = token.value;
    const secretHash = hashSecret(secret);
    const limited = () =>
      refused('rate_limited', `too many failed enrollments with key ${keyId}; retry later`);
    // Early answer for a key already limited (checked again, authoritatively, in the gate).
    if (limiter.limited(keyId, now())) return limited();
    // A key issued a moment ago may not be folded yet: catch up before calling it unknown.
    // Known keys need no catch-up: the exclusive append of their use re-folds on a lost race.
    if (host.state.keys[keyId] === undefined)
      await host.catchUp(log.subjects.key('*' as ProjectId, keyId));
    // A custom id source is checked like any input: a bad id would be a corrupt event.
    const workerId = WorkerId.parse(newWorkerId());
    return gate.post(async () => {
      if (limiter.limited(keyId, now())) return limited();
      let decision: EnrollDecision | undefined;
      const { events } = await host.execute((state) => {
        const command: EnrollCommand = {
          type: 'enroll',
          data: { keyId, secretHash, request, workerId },
          meta: { now: now() },
        };
        decision = decide(state, command);
        return command;
      });
      if (decision === undefined) throw new Error('the registrar decided nothing');
      if (!decision.ok) {
        if (GUESSES.has(decision.error.reason)) limiter.fail(keyId, now());
        return refused(decision.error.reason, decision.error.detail);
      }
      const membership = events.find((e) => e.type === 'worker.enrolled');
      if (membership?.type !== 'worker.enrolled') throw new Error('no worker.enrolled appended');
      enrolled += 1;
      const d = membership.data;
      return {
        worker: {
          workerId: d.workerId,
          project: d.project,
          pool: d.pool,
          models: d.models,
          labels: d.labels,
          exclusive: d.exclusive,
          runtime: d.runtime,
          capacity: d.capacity,
        },
      };
    });
  };

  const onMessage = (msg: Msg) => {
    // Without a reply subject the worker could never learn its id: do not spend a key use.
    if (msg.reply === undefined || msg.reply === '') return;
    const job = (async () => {
      let body: unknown;
      try {
        body = msg.json<unknown>();
      } catch {
        respond(msg, refused('invalid_request', 'body is not JSON'));
        return;
      }
      respond(msg, await enroll(body));
    })().catch((e: unknown) => {
      errors += 1;
      onError(e);
      respond(msg, { error: 'enrollment failed: the log is unavailable; try again' });
    });
    inflight.add(job);
    void job.then(() => inflight.delete(job));
  };

  const sub: Subscription = log.nc.subscribe(log.subjects.enroll(), {
    queue: options.queue ?? 'fleet-registrar',
    callback: (error, msg) => {
      if (error === null) onMessage(msg);
      else onError(error);
    },
  });
  await log.nc.flush();

  return {
    host,
    enroll,
    stats: () => ({ enrolled, refused: { ...refusedBy }, errors }),
    stop: async () => {
      sub.unsubscribe();
      await Promise.all([...inflight]);
      await gate.idle();
      await host.stop();
    },
  };
};
