import { randomBytes } from 'node:crypto';
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { Msg, Subscription } from '@nats-io/transport-node';
import type { z } from 'zod';
import { decode, EnrollRequest, RenewRequest, replyRefusal, WorkerId } from '../../events/index.ts';
import type {
  EnrollRefusal,
  EnrollReply,
  ProjectId,
  SealedEnrollment,
} from '../../events/index.ts';
import { ActorHost } from '../host/actor-host.ts';
import type { EventLog } from '../../log/index.ts';
import { Mailbox } from '../host/mailbox.ts';
import { decide } from './decide.ts';
import type { EnrollDecision } from './decide.ts';
import type { EnrollCommand } from './enroll-command.ts';
import type { CredentialIssuer, CredentialSubject } from './credential-issuer.ts';
import { FailureLimiter } from './failure-limiter.ts';
import { renewalOf, sealKeyOf } from './request-body.ts';
import type { FailureLimiterOptions } from './failure-limiter.ts';
import { hashSecret, parseKeyToken } from './keys.ts';
import { startMemberWatch } from './member-watch.ts';
import type { MemberWatch, WatchedWorker } from './member-watch.ts';
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
  /**
   * Secure mode: every enrollment must carry the worker's public key and is answered with NATS
   * credentials for it; enrolled workers renew them on the enrollment subject; a revoked
   * worker's key is revoked at the transport, which disconnects it.
   */
  readonly credentials?: CredentialIssuer;
  /**
   * The shared enrollment user's public key (secure mode): enrollments are answered only on its
   * inbox, renewals only on the renewing worker's own. Without it, any inbox is answered.
   */
  readonly enrollPublicKey?: string;
  /** Told of each request left unanswered because of its reply subject (also in `stats`). */
  readonly onRefused?: (refusal: { readonly detail: string; readonly renewal: boolean }) => void;
}

/** What the registrar decides for one request, before a secure answer is sealed. */
export type EnrollAnswer = Exclude<EnrollReply, SealedEnrollment>;

/** Counts since start, for operators. */
export interface RegistrarStats {
  readonly enrolled: number;
  /** Credentials renewed (secure mode). */
  readonly renewed: number;
  readonly refused: Readonly<Partial<Record<EnrollRefusal, number>>>;
  /** Enrollments that failed for want of the log (answered `{ error }`). */
  readonly errors: number;
  /** Requests left unanswered: their reply subject was not the requester's own inbox. */
  readonly badReplies: number;
}

/** A running registrar. */
export interface Registrar {
  readonly host: ActorHost<RegistrarState, EnrollCommand>;
  /**
   * Handles one enrollment body (what a worker sends on `subjects.enroll()`) and answers as
   * the subscription would. Throws only when the log fails.
   */
  enroll(body: unknown): Promise<EnrollAnswer>;
  /** Handles one renewal body (`RenewRequest`, secure mode) as the subscription would. */
  renew(body: unknown): Promise<EnrollAnswer>;
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

/** Paths and messages only: zod's messages do not echo values, so a key stays unquoted. */
const issues = (error: z.ZodError): string =>
  error.issues.map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`).join('; ');

/** A failed revocation push is tried again after this long. */
const PUSH_RETRY_MS = 2_000;

const identityOf = (d: WatchedWorker['enrolled']) => ({
  workerId: d.workerId,
  project: d.project,
  pool: d.pool,
  models: d.models,
  labels: d.labels,
  exclusive: d.exclusive,
  runtime: d.runtime,
  capacity: d.capacity,
});

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
  const issuer = options.credentials;
  if (issuer !== undefined && issuer.root !== log.subjects.root)
    throw new Error(
      `the credential issuer is for root ${issuer.root}, the log for ${log.subjects.root}`,
    );
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
  let renewed = 0;
  let errors = 0;
  const refusedBy: Partial<Record<EnrollRefusal, number>> = {};

  let badReplies = 0;
  const refused = (reason: EnrollRefusal, detail: string): EnrollAnswer => {
    refusedBy[reason] = (refusedBy[reason] ?? 0) + 1;
    return { refused: { reason, detail } };
  };

  const enroll = async (body: unknown): Promise<EnrollAnswer> => {
    const parsed = EnrollRequest.safeParse(body);
    if (!parsed.success) return refused('invalid_request', issues(parsed.error));
    const { key, sealKey, ...request } = parsed.data;
    if (issuer !== undefined && request.publicKey === undefined)
      return refused(
        'invalid_request',
        "publicKey: this registrar issues NATS credentials; send the worker's user public key",
      );
    if (issuer !== undefined && sealKey === undefined)
      return refused(
        'invalid_request',
        'sealKey: this registrar seals its answers; send a curve public key drawn for this enrollment',
      );
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
    const reply = await gate.post(async (): Promise<EnrollAnswer> => {
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
      return { worker: identityOf(membership.data) };
    });
    if (issuer === undefined || !('worker' in reply) || request.publicKey === undefined)
      return reply;
    const w = reply.worker;
    const subject = { workerId: w.workerId, project: w.project, pool: w.pool };
    return {
      ...reply,
      credentials: await issuer.issue({ ...subject, publicKey: request.publicKey }),
    };
  };

  // --- secure mode: memberships, renewals, revocations --------------------------------------

  let watch: MemberWatch | undefined;
  let stopped = false;
  let pushing: Promise<void> | undefined;
  let dirty = false;
  let retry: NodeJS.Timeout | undefined;
  let watching = false;
  /** Pushes the revocation set until it has not changed since the last successful push. */
  const pushRevocations = () => {
    dirty = true;
    if (pushing !== undefined || issuer === undefined || !watching) return;
    pushing = (async () => {
      while (dirty && !stopped && watch !== undefined) {
        dirty = false;
        try {
          await issuer.revoke(watch.revoked());
        } catch (e) {
          onError(e);
          dirty = true;
          clearTimeout(retry);
          retry = setTimeout(pushRevocations, PUSH_RETRY_MS);
          retry.unref();
          return;
        }
      }
    })().finally(() => {
      pushing = undefined;
    });
  };

  /** Whether the member subject's last message (read now, not folded) revokes the worker. */
  const revokedInLog = async (w: WatchedWorker): Promise<boolean> => {
    const { project, pool, workerId } = w.enrolled;
    const subject = log.subjects.member(project, pool, workerId);
    try {
      const m = await log.jsm.streams.getMessage(log.stream, { last_by_subj: subject });
      if (m === null) return false;
      const decoded = decode(m.subject, m.data, { root: log.subjects.root });
      return decoded.ok && decoded.value.events.some((e) => e.type === 'worker.revoked');
    } catch (cause) {
      if (cause instanceof JetStreamApiError && cause.code === JetStreamApiCodes.NoMessageFound)
        return false;
      throw cause;
    }
  };

  const renew = async (body: unknown): Promise<EnrollAnswer> => {
    if (issuer === undefined || watch === undefined)
      return refused('invalid_request', 'this registrar does not issue credentials');
    const parsed = RenewRequest.safeParse(body);
    if (!parsed.success) return refused('invalid_request', issues(parsed.error));
    const { workerId, jwt, at, signature } = parsed.data.renew;
    const w = watch.get(workerId);
    if (w === undefined) return refused('unknown_worker', `no worker ${workerId}`);
    const { publicKey, project, pool } = w.enrolled;
    if (publicKey === undefined)
      return refused('unknown_worker', `worker ${workerId} enrolled without a public key`);
    const subject: CredentialSubject = { workerId, project, pool, publicKey };
    // Whoever holds the worker's key learns where it stands; only current credentials renew.
    if (!issuer.verifyRenewal({ publicKey, workerId, at, signature, now: now() }))
      return refused('bad_proof', 'the signature does not verify, or was made too long ago');
    if (w.revokedAt !== undefined || (await revokedInLog(w)))
      return refused('worker_revoked', `worker ${workerId} is revoked; enroll again`);
    if (w.lost) return refused('worker_lost', `worker ${workerId} was declared lost; enroll again`);
    if (w.left) return refused('worker_left', `worker ${workerId} has left; enroll again`);
    if (!issuer.isCurrent(jwt, subject))
      return refused('bad_proof', `the credentials shown are not current ones of ${workerId}`);
    const credentials = await issuer.issue(subject);
    renewed += 1;
    return { worker: identityOf(w.enrolled), credentials };
  };

  if (issuer !== undefined) {
    watch = await startMemberWatch(log, {
      lostSince: now() - issuer.ttlMs - 60_000,
      onRevoked: pushRevocations,
      onError,
    });
    await watch.caughtUp;
    watching = true;
    // The server may have restarted with an older account JWT: state the revocations once.
    if (watch.revoked().size > 0) pushRevocations();
  }

  /**
   * Whether `msg` may be answered on its reply subject: the registrar answers with its own
   * rights, so only on an inbox, and in secure mode only on the requester's own — the renewing
   * worker's, or the shared enrollment user's (whose answers are sealed). Anything else is
   * counted and told, and answered by nobody.
   */
  const mayAnswer = (msg: Msg, body: unknown): boolean => {
    const renewing = renewalOf(body);
    const refusal = ((): { readonly detail: string } | undefined => {
      if (renewing === undefined) return replyRefusal(msg.reply ?? '', options.enrollPublicKey);
      const owner = watch?.get(renewing as WorkerId)?.enrolled.publicKey;
      // A secure registrar answers a renewal only on a known worker's own inbox.
      if (owner === undefined && issuer !== undefined)
        return { detail: `no enrolled worker ${renewing} whose inbox could be answered` };
      return replyRefusal(msg.reply ?? '', owner);
    })();
    if (refusal === undefined) return true;
    badReplies += 1;
    options.onRefused?.({ detail: refusal.detail, renewal: renewing !== undefined });
    return false;
  };

  const onMessage = (msg: Msg) => {
    // Without a reply subject the worker could never learn its id: do not spend a key use.
    if (msg.reply === undefined || msg.reply === '') return;
    let body: unknown;
    let readable = true;
    try {
      body = msg.json<unknown>();
    } catch {
      readable = false;
    }
    if (!mayAnswer(msg, body)) return;
    const job = (async () => {
      if (!readable) {
        respond(msg, refused('invalid_request', 'body is not JSON'));
        return;
      }
      const isRenewal = renewalOf(body) !== undefined;
      const answer = await (isRenewal ? renew(body) : enroll(body));
      const sealKey = sealKeyOf(body);
      // Secure answers travel sealed: the enrollment user's inbox is every host's to read.
      respond(
        msg,
        'worker' in answer && sealKey !== undefined && issuer !== undefined
          ? issuer.seal(answer, sealKey)
          : answer,
      );
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
    renew,
    stats: () => ({ enrolled, renewed, refused: { ...refusedBy }, errors, badReplies }),
    stop: async () => {
      sub.unsubscribe();
      await Promise.all([...inflight]);
      await gate.idle();
      stopped = true;
      clearTimeout(retry);
      await pushing;
      await watch?.stop();
      await host.stop();
    },
  };
};
