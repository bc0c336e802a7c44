/**
 * Fuzzing of everything a fold reads: 100,000 generated and mutated stored messages go through
 * the codec (`decode`, as the event log does) and then through the dispatcher's and the
 * registrar's folds (in place, as the actor host runs them), interleaved with
 * the dispatcher's own decisions so that assignments, reports and requeues meet. Nothing may
 * throw, every state must stay valid after every message, and the pure folds (immer) must reach
 * the same states from the same entries. Pure and in memory: no server.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  decide,
  evolveEntries as evolveDispatchAll,
  evolveEntryInPlace as evolveDispatch,
  initialState as initialDispatchState,
} from '../../domain/pool/index.ts';
import type { DispatchState } from '../../domain/pool/index.ts';
import { dispatcherLogic } from '../../actors/dispatcher/dispatcher-logic.ts';
import {
  evolveAll as evolveKeysAll,
  evolveRecipe as evolveKeys,
  initialState as initialKeysState,
  keysFilter,
} from '../../actors/registrar/index.ts';
import {
  decode,
  encode,
  isReadable,
  refusalSubject,
  subjectMatches,
  subjects,
} from '../../events/index.ts';
import type { DispatchCommand, FleetEvent, LogEntry, PoolId } from '../../events/index.ts';
import { checkDispatchState, checkRegistrarState, fuzzMessageArb } from './support/index.ts';
import type { FuzzMessage } from './support/index.ts';

const POOL = 'gpu' as PoolId;
const S = subjects();
const POOL_FILTER = S.pool(POOL);
const KEYS_FILTER = keysFilter(S);
const CONFIG = { pool: POOL, heartbeatMs: 1_000, missedBeats: 2, clockSkewMs: 1_000 } as const;
const LOGIC = dispatcherLogic(S, CONFIG);
const T0 = 1_700_000_000_000;
/** Stream time between two messages: leases of about a second expire within a run. */
const TICK_MS = 50;
const RUNS = 800;
const PER_RUN = 125;

const tally = {
  messages: 0,
  decoded: 0,
  decisions: 0,
  /** Messages the codec refused, by its code. */
  codec: {} as Record<string, number>,
  /** What the dispatcher's fold refused, by reason (its `unreadable` are the codec's refusals). */
  dispatcherFold: {} as Record<string, number>,
  registrarFold: {} as Record<string, number>,
  claimsRefused: {} as Record<string, number>,
  ms: 0,
  cpuMs: 0,
};
const bump = (r: Record<string, number>, k: string, n = 1) => {
  r[k] = (r[k] ?? 0) + n;
};

/**
 * What the event log hands a fold for one stored message (see log/event-log.ts); what a
 * refused message was about only matters to the dispatcher's fold.
 */
const toEntry = (subject: string, bytes: Uint8Array, seq: number, about: boolean): LogEntry => {
  const at = T0 + seq * TICK_MS;
  const decoded = decode(subject, bytes);
  if (decoded.ok) return { seq, at, events: decoded.value.events };
  const refused = about ? refusalSubject(subject, bytes) : undefined;
  return {
    seq,
    at,
    refused: { code: decoded.error.code, message: decoded.error.message },
    ...(refused === undefined ? {} : { about: refused }),
  };
};

/** Folds one run of messages, checking the states after each; returns what it folded. */
const play = (messages: readonly FuzzMessage[]) => {
  const d = initialDispatchState(CONFIG);
  const k = initialKeysState();
  const dEntries: LogEntry[] = [];
  const kEntries: LogEntry[] = [];
  let seq = 0;
  const store = (subject: string, bytes: Uint8Array) => {
    seq += 1;
    const inPool = subjectMatches(POOL_FILTER, subject);
    const entry = toEntry(subject, bytes, seq, inPool);
    if (isReadable(entry)) tally.decoded += 1;
    else bump(tally.codec, entry.refused.code);
    if (inPool) {
      evolveDispatch(d, entry);
      dEntries.push(entry);
      checkDispatchState(d);
    }
    if (subjectMatches(KEYS_FILTER, subject)) {
      evolveKeys(k, entry);
      kEntries.push(entry);
      checkRegistrarState(k);
    }
  };
  // The dispatcher's own decisions, appended one message per subject as its host does.
  const decideAndStore = (command: DispatchCommand) => {
    const groups = new Map<string, FleetEvent[]>();
    for (const e of decide(d, command)) {
      const { subject } = LOGIC.route(e);
      groups.set(subject, [...(groups.get(subject) ?? []), e]);
    }
    for (const [subject, events] of groups) {
      tally.decisions += 1;
      store(subject, encode(events));
    }
  };
  for (const [i, m] of messages.entries()) {
    tally.messages += 1;
    store(m.subject, m.bytes);
    if (i % 8 !== 7) continue;
    const now = T0 + seq * TICK_MS;
    const active = Object.values(d.workers).filter((w) => w.status === 'active');
    decideAndStore({
      type: 'serve_claims',
      data: {
        claims: active.map((w) => ({
          workerId: w.id,
          project: w.capability.project,
          pool: POOL,
          max: 2,
        })),
        budget: 1000,
      },
      meta: { now },
    });
    // Now and then everyone falls silent, so workers are lost and their attempts requeued.
    const silent = i % 48 === 47;
    decideAndStore({
      type: 'check_liveness',
      data: {
        lastSeen: silent ? {} : Object.fromEntries(active.map((w) => [w.id, now])),
        graceFrom: silent ? now - 10_000 : now,
      },
      meta: { now },
    });
  }
  return { d, k, dEntries, kEntries };
};

const sumInto = (into: Record<string, number>, from: Readonly<Record<string, number>>) => {
  for (const [r, n] of Object.entries(from)) bump(into, r, n);
};

describe('fuzzed stored messages through the codec and the folds', () => {
  afterAll(() => {
    const sorted = (r: Record<string, number>) =>
      Object.fromEntries(Object.entries(r).sort(([, a], [, b]) => b - a));
    console.log(
      JSON.stringify(
        {
          messages: tally.messages,
          decoded: tally.decoded,
          dispatcherDecisions: tally.decisions,
          refusedByCodecCode: sorted(tally.codec),
          dispatcherFoldRejectionsByReason: sorted(tally.dispatcherFold),
          registrarFoldRejectionsByReason: sorted(tally.registrarFold),
          claimsRefusedByReason: sorted(tally.claimsRefused),
          seconds: Math.round(tally.ms / 100) / 10,
          cpuSeconds: Math.round(tally.cpuMs / 100) / 10,
        },
        null,
        1,
      ),
    );
  });

  it('never throws, keeps both states valid after every message, and folds deterministically', () => {
    const pristine = Object.getOwnPropertyNames(Object.prototype).sort();
    const started = performance.now();
    const cpu = process.cpuUsage();
    let runs = 0;
    fc.assert(
      fc.property(
        fc.array(fuzzMessageArb, { minLength: PER_RUN, maxLength: PER_RUN }),
        (messages) => {
          const { d, k, dEntries, kEntries } = play(messages);
          runs += 1;
          // Every replica folding the same entries reaches the same state: the pure folds
          // (immer) too. Checked every eighth run (100 runs, 12,500 messages): plenty.
          if (runs % 8 === 0) {
            const pureD: DispatchState = evolveDispatchAll(initialDispatchState(CONFIG), dEntries);
            if (!isDeepStrictEqual(pureD, d)) expect(pureD).toEqual(d);
            const pureK = evolveKeysAll(initialKeysState(), kEntries);
            if (!isDeepStrictEqual(pureK, k)) expect(pureK).toEqual(k);
          }
          // Nothing a message said reached a shared prototype.
          expect(Object.keys(Object)).toEqual([]);
          expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(pristine);
          sumInto(tally.dispatcherFold, d.rejections.byReason);
          sumInto(tally.registrarFold, k.rejections.byReason);
          sumInto(tally.claimsRefused, d.claimsRefused);
        },
      ),
      { numRuns: RUNS },
    );
    tally.ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    tally.cpuMs = (used.user + used.system) / 1000;
    expect(tally.messages).toBeGreaterThanOrEqual(100_000);
    // Each way of being wrong was generated and refused by the codec.
    for (const code of [
      'malformed_json',
      'schema_invalid',
      'unknown_type',
      'not_allowed_on_subject',
      'subject_mismatch',
      'bad_subject',
    ])
      expect(tally.codec[code] ?? 0).toBeGreaterThan(0);
    // And the folds refused valid events that were wrong at their position.
    for (const reason of ['duplicate', 'unknown_worker', 'stale_attempt', 'unknown_task'])
      expect(tally.dispatcherFold[reason] ?? 0).toBeGreaterThan(0);
    for (const reason of ['duplicate', 'unknown_key', 'stale_use'])
      expect(tally.registrarFold[reason] ?? 0).toBeGreaterThan(0);
  }, 120_000);
});
