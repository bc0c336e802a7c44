/**
 * The interpreter of a pool history: plays generated steps against the folded state, appends
 * the resulting entries, folds each and checks what must hold after it.
 */
import { isDeepStrictEqual } from 'node:util';
import { produce } from 'immer';
import { ev } from './builders.ts';
import {
  CheckLiveness,
  isRetentionEvent,
  ServeClaims,
  decode,
  encode,
} from '../../events/index.ts';
import type { DispatchCommand, FleetEvent, LogEntry } from '../../events/index.ts';
import {
  decide,
  evolveEntry,
  evolveEntryInPlace,
  forgetEnded,
  initialState,
} from '../../domain/pool/index.ts';
import type { DispatchState } from '../../domain/pool/index.ts';
import {
  POOL,
  OTHER_POOL,
  T0,
  CONFIG,
  SUBJECTS,
  projectAt,
  otherProject,
  pick,
  totalRejections,
  strip,
  isAssigned,
  isEnded,
  live,
  FROM,
} from './pool-world.ts';
import { fail, checkInvariants, checkBatchOrder, tally, bump, checkServed } from './pool-checks.ts';
import type { Act, Step } from './pool-generators.ts';
import { Forger } from './pool-forgeries.ts';

export type Origin = 'external' | 'dispatcher' | 'adversarial' | 'noise';
export interface Logged {
  readonly entry: LogEntry;
  readonly origin: Origin;
  readonly label: string;
}

export interface Options {
  /** Also fold every entry in place with `evolveEntryInPlace` on a private copy. */
  readonly inPlace?: boolean;
}
export class Run extends Forger {
  readonly inPlace: DispatchState | undefined;
  private seq = 0;
  /** Task ids are per project, so projects reuse each other's ids (t0, t1, ...) on purpose. */
  private readonly nextTask: Record<string, number> = {};
  private nextWorker = 0;
  readonly log: Logged[] = [];

  constructor(options: Options = {}) {
    super();
    this.inPlace = options.inPlace === true ? structuredClone(initialState(CONFIG)) : undefined;
  }

  /** Plays the history, then one liveness check far in the future (property 9). */
  play(steps: readonly Step[]): void {
    for (const st of steps) this.step(st);
    this.farLiveness();
  }

  /** Renders the log for a failure message: the minimal failing history, entry by entry. */
  render(): string {
    return this.log
      .map(({ entry, origin, label }) => {
        const head = `#${entry.seq} +${entry.at - T0}ms ${origin} ${label}`;
        if (!('events' in entry)) return `${head}: unreadable (${entry.refused.code})`;
        const body = entry.events.map((e) => `${e.type} ${JSON.stringify(e.data)}`).join('\n    ');
        return `${head}:\n    ${body}`;
      })
      .join('\n');
  }

  // -- appending and folding ------------------------------------------------------------------

  private append(events: readonly FleetEvent[] | 'unreadable', origin: Origin, label: string) {
    this.seq += 1;
    const entry: LogEntry =
      events === 'unreadable'
        ? {
            seq: this.seq,
            at: this.clock,
            refused: { code: 'malformed_json', message: 'body is not UTF-8 JSON' },
          }
        : { seq: this.seq, at: this.clock, events };
    const before = this.state;
    const after = evolveEntry(before, entry).state;
    if (this.inPlace !== undefined) evolveEntryInPlace(this.inPlace, entry);
    this.state = after;
    this.log.push({ entry, origin, label });
    if (after.position !== entry.seq) fail(`position is ${after.position} after #${entry.seq}`);
    // immer shares what an entry left alone: re-check only when something checked changed.
    if (
      after.workers !== before.workers ||
      after.tasks !== before.tasks ||
      after.queues !== before.queues ||
      after.demands !== before.demands
    ) {
      checkInvariants(after);
      checkBatchOrder(after);
    }
    const gained = totalRejections(after) - totalRejections(before);
    const refusedNow = () => JSON.stringify(after.rejections.recent.slice(-Math.max(gained, 1)));
    // Time passes for a refused event too: the pool forgets what ended long enough before it.
    const aged =
      events === 'unreadable' ? before : produce(before, (d) => forgetEnded(d, entry.at));
    if (origin === 'adversarial') {
      // [7] An invalid entry is refused whole and changes nothing but the counters.
      const expected = events === 'unreadable' ? 1 : events.length;
      if (gained !== expected)
        fail(`[7] adversarial ${label} was accepted (${gained} of ${expected} refused)`);
      if (!isDeepStrictEqual(strip(aged), strip(after)))
        fail(`[7] adversarial ${label} was refused (${refusedNow()}) but changed the state`);
      for (const [reason, n] of Object.entries(after.rejections.byReason)) {
        const d = n - (before.rejections.byReason[reason] ?? 0);
        if (d > 0) bump((tally.adversarial[label] ??= {}), reason, d);
      }
    } else {
      // [6] The dispatcher's own decisions, and legitimate writes, are always accepted.
      if (gained !== 0) fail(`[6] ${origin} entry ${label} was refused: ${refusedNow()}`);
      if (origin === 'noise' && !isDeepStrictEqual(strip(aged), strip(after)))
        fail(`noise entry ${label} changed the state`);
      if (events !== 'unreadable') for (const e of events) bump(tally.accepted, e.type);
    }
  }

  /** Appends decisions as a host would: one message per subject, through the real codec. */
  private appendDecisions(out: readonly FleetEvent[], label: string) {
    const bySubject = new Map<string, FleetEvent[]>();
    for (const e of out) {
      if (isRetentionEvent(e)) continue; // never a decision
      const pool = 'pool' in e.data ? e.data.pool : POOL;
      const subject =
        e.type === 'claim.rejected'
          ? SUBJECTS.rejected(e.data.project, pool)
          : SUBJECTS.dispatch(e.data.project, pool);
      bySubject.set(subject, [...(bySubject.get(subject) ?? []), e]);
    }
    for (const [subject, events] of bySubject) {
      const decoded = decode(subject, encode(events));
      if (!decoded.ok)
        fail(`[6] the codec refuses the dispatcher's ${subject}: ${decoded.error.message}`);
      else this.append(decoded.value.events, 'dispatcher', `${label} → ${subject}`);
    }
  }

  // -- steps ----------------------------------------------------------------------------------

  step({ dt, act }: Step): void {
    this.clock += dt;
    tally.steps += 1;
    switch (act.k) {
      case 'enroll':
        this.append([this.enrollment(`w${this.nextWorker++}`, act.w)], 'external', 'enroll');
        return;
      case 'submit': {
        const project = projectAt(act.p);
        const events = act.tasks.map((t) => {
          const n = this.nextTask[project] ?? 0;
          this.nextTask[project] = n + 1;
          return this.submission(`t${n}`, project, t);
        });
        this.append(events, 'external', events.length > 1 ? 'submit batch' : 'submit');
        return;
      }
      case 'cancel': {
        const t = pick(
          this.tasks.filter((x) => !isEnded(x)),
          act.i,
        );
        if (t !== undefined) this.append([this.cancellation(t)], 'external', 'cancel');
        return;
      }
      case 'life': {
        const from: readonly string[] = FROM[act.to];
        const w = pick(
          this.workers.filter((x) => from.includes(x.status)),
          act.i,
        );
        if (w !== undefined) this.append([this.lifecycle(act.to, w)], 'external', act.to);
        return;
      }
      case 'report': {
        const t = pick(
          this.tasks.filter(isAssigned).filter((x) => live(this.state.workers[x.workerId])),
          act.i,
        );
        if (t !== undefined)
          this.append([this.report(t, t.workerId, act.outcome)], 'external', 'report');
        return;
      }
      case 'serve':
        this.serve(act);
        return;
      case 'live':
        this.liveness(act);
        return;
      case 'far_live':
        this.farLiveness();
        return;
      case 'noise': {
        const keyId = `k${act.i % 3}`;
        const project = projectAt(act.i);
        const event =
          act.i % 2 === 0
            ? ev('key.used', { keyId, project, workerId: `w${act.i % 5}`, use: 1 + (act.i % 4) })
            : ev('key.revoked', { keyId, project, reason: 'rotated' }, this.clock);
        this.append([event], 'noise', event.type);
        return;
      }
      case 'adv': {
        const forged = this.forge(act);
        this.append(forged === 'unreadable' ? forged : [forged], 'adversarial', act.kind);
        return;
      }
    }
  }

  private serve(act: Extract<Act, { k: 'serve' }>) {
    const ws = this.workers;
    const active = ws.filter((w) => w.status === 'active');
    const listed = act.claims.map((c) => {
      const w = pick(c.mode === 'active' && active.length > 0 ? active : ws, c.i);
      if (w === undefined || c.mode === 'unknown')
        return { workerId: `ghost-${c.i % 3}`, project: projectAt(c.i), pool: POOL, max: c.max };
      const own = w.capability.project;
      return {
        workerId: w.id,
        project: c.mode === 'cross' ? otherProject(own, c.i) : own,
        pool: c.mode === 'other_pool' ? OTHER_POOL : POOL,
        max: c.max,
      };
    });
    const claims = act.everyone
      ? [
          ...active.map((w) => ({
            workerId: w.id,
            project: w.capability.project,
            pool: POOL,
            max: w.capacity,
          })),
          ...listed,
        ]
      : listed;
    const cmd = ServeClaims.parse({
      type: 'serve_claims',
      data: { claims, budget: act.budget },
      meta: { now: this.clock },
    });
    const out = decide(this.state, cmd);
    checkServed(this.state, cmd, out);
    this.appendDecisions(out, 'serve_claims');
  }

  private liveness(act: Extract<Act, { k: 'live' }>) {
    const lastSeen: Record<string, number> = {};
    this.workers.forEach((w, k) => {
      const back = pick(act.seen, k);
      if (back !== undefined && back !== null) lastSeen[w.id] = Math.max(0, this.clock - back);
    });
    const cmd = CheckLiveness.parse({
      type: 'check_liveness',
      data: { lastSeen, graceFrom: Math.max(0, this.clock - act.grace) },
      meta: { now: this.clock },
    });
    this.appendDecisions(decide(this.state, cmd), 'check_liveness');
  }

  /** [9] A liveness check far beyond every lease and heartbeat leaves no live attempt behind. */
  private farLiveness() {
    const lastSeen: Record<string, number> = {};
    for (const w of this.workers) lastSeen[w.id] = this.clock;
    const now = this.clock + 1_000_000_000;
    const cmd: DispatchCommand = CheckLiveness.parse({
      type: 'check_liveness',
      data: { lastSeen, graceFrom: this.clock },
      meta: { now },
    });
    const out = decide(this.state, cmd);
    this.clock = now;
    this.appendDecisions(out, 'check_liveness (far)');
    for (const t of this.tasks.filter(isAssigned)) {
      const w = this.state.workers[t.workerId];
      if (!live(w)) fail(`[9] task ${t.id} is still assigned to ${t.workerId}, ${w?.status}`);
      if (t.leaseExpiresAt <= now) fail(`[9] task ${t.id} is still assigned past its lease`);
    }
    for (const w of this.workers)
      if (live(w)) fail(`[9] worker ${w.id} silent for ages is still ${w.status}`);
  }
}

/** Plays a history; on failure, the error carries the log that led to it. */
export const playOrExplain = (run: Run, steps: readonly Step[]): void => {
  try {
    run.play(steps);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new Error(`${message}\n--- log (${run.log.length} entries) ---\n${run.render()}`, {
      cause: e,
    });
  }
};
