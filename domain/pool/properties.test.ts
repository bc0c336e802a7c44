/**
 * Property tests of the dispatcher core over random histories.
 *
 * A history is a list of steps that fast-check generates as plain descriptors; `Run` interprets
 * them against the current folded state (indices pick among the workers and tasks that exist
 * then), appends the resulting log entries and folds each with `evolve`. Three kinds of entry:
 *
 * - external: what producers, workers and the registrar legitimately write (enrollments,
 *   submissions single and batched, cancellations, draining/leaving/revocation, reports);
 * - dispatcher: the output of `decide` (serve_claims, check_liveness), split into one message
 *   per subject the way a host publishes it, and passed through the real codec;
 * - adversarial: forged or stale events built so that each is certainly invalid at its
 *   position, plus unreadable entries.
 *
 * After every entry `checkInvariants` runs; each kind of entry has its own further checks.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { CheckLiveness, ServeClaims, decode, encode, subjects } from '../../events/index.ts';
import type {
  DispatchCommand,
  FleetEvent,
  LabelConstraint,
  LabelValue,
  LogEntry,
  PoolId,
  ProjectId,
} from '../../events/index.ts';
import { ev } from '../../test/support/builders.ts';
import {
  decide,
  evolveEntry,
  evolveEntries,
  evolveEntryInPlace,
  initialState,
  taskKey,
  unmetRequirements,
} from './index.ts';
import type { AssignedTask, DispatchState, TaskState, WorkerState } from './index.ts';
import { checkDispatchState } from '../../test/support/check-dispatch-state.ts';

// ---------------------------------------------------------------------------------------------
// The world: few projects, workers, models and labels, so that collisions happen often.
// ---------------------------------------------------------------------------------------------

const POOL = 'gpu' as PoolId;
const OTHER_POOL = 'cpu';
const PROJECTS = ['health-prod', 'fin-prod', 'ops'] as const;
const MODELS = ['llama', 'mistral', 'qwen'] as const;
const RUNTIMES = ['process', 'docker', 'kubernetes', 'lambda'] as const;
const T0 = 1_700_000_000_000;
const CONFIG = { pool: POOL, heartbeatMs: 1000, missedBeats: 2, clockSkewMs: 1000 } as const;
const SUBJECTS = subjects();

/** Label keys and the values workers carry; some numeric, some numeric strings, one boolean. */
const LABELS: Readonly<Record<string, readonly LabelValue[]>> = {
  gpu: ['a100', 'h100', 'l4'],
  vram: [24, 40, 80, '80', '48'],
  region: ['eu', 'us'],
  reserved: [true, 'yes'],
  tier: [1, 2, 3, '2'],
};
const LABEL_KEYS = Object.keys(LABELS);
const NUMBERS = [1, 2, 24, 40, 64, 80] as const;
const OPS = ['eq', 'neq', 'in', 'notIn', 'exists', 'notExists', 'gt', 'gte', 'lt', 'lte'] as const;

const projectAt = (i: number): ProjectId => (PROJECTS[i % PROJECTS.length] ?? 'ops') as ProjectId;
const otherProject = (p: string, i: number): ProjectId =>
  (PROJECTS.filter((q) => q !== p)[i % (PROJECTS.length - 1)] ?? 'ops') as ProjectId;
const pick = <T>(xs: readonly T[], i: number): T | undefined =>
  xs.length === 0 ? undefined : xs[i % xs.length];

// ---------------------------------------------------------------------------------------------
// Generators of step descriptors.
// ---------------------------------------------------------------------------------------------

const constraintArb: fc.Arbitrary<LabelConstraint> = fc
  .tuple(fc.constantFrom(...LABEL_KEYS), fc.nat(), fc.nat(), fc.constantFrom(...OPS))
  .map(([key, i, j, op]): LabelConstraint => {
    const dom = LABELS[key] ?? ['x'];
    const v = pick(dom, i) ?? 'x';
    switch (op) {
      case 'eq':
      case 'neq':
        return { key, op, value: v };
      case 'in':
      case 'notIn':
        return { key, op, values: [v, pick(dom, j) ?? v] };
      case 'exists':
      case 'notExists':
        return { key, op };
      case 'gt':
      case 'gte':
      case 'lt':
      case 'lte':
        return { key, op, value: pick(NUMBERS, i) ?? 1 };
    }
  });

/** Index of a project: two busy ones and a quieter third. */
const projectArb = fc.constantFrom<number>(0, 0, 1, 1, 2);

const workerSpecArb = fc.record({
  project: projectArb,
  models: fc.oneof(
    { weight: 3, arbitrary: fc.constant<string[]>([...MODELS]) },
    { weight: 2, arbitrary: fc.subarray<string>([...MODELS]) },
  ),
  labels: fc
    .record(
      {
        gpu: fc.constantFrom('a100', 'h100', 'l4'),
        vram: fc.constantFrom(24, 40, 80, '80', '48'),
        region: fc.constantFrom('eu', 'us'),
        reserved: fc.constantFrom(true, 'yes'),
        tier: fc.constantFrom(1, 2, 3, '2'),
      },
      { requiredKeys: ['gpu', 'vram'] },
    )
    // Absent keys are left out, never undefined; a plain object like a decoded one.
    .map((l): Record<string, LabelValue> => ({ ...l })),
  exclusive: fc.oneof(
    { weight: 12, arbitrary: fc.constant<string[]>([]) },
    { weight: 2, arbitrary: fc.constant<string[]>(['reserved']) },
    { weight: 1, arbitrary: fc.constant<string[]>(['gpu']) },
  ),
  runtime: fc.record(
    {
      kind: fc.constantFrom(...RUNTIMES),
      maxDurationMs: fc.constantFrom(5000, 30_000),
      memoryMb: fc.constantFrom(8000, 32_000, 64_000),
    },
    { requiredKeys: ['kind'] },
  ),
  capacity: fc.integer({ min: 1, max: 3 }),
});
type WorkerSpec = typeof workerSpecArb extends fc.Arbitrary<infer T> ? T : never;

const taskSpecArb = fc.record({
  requirements: fc.record(
    {
      models: fc.subarray([...MODELS], { minLength: 1, maxLength: 2 }),
      labels: fc.oneof(
        { weight: 3, arbitrary: fc.constant<LabelConstraint[]>([]) },
        { weight: 3, arbitrary: fc.array(constraintArb, { minLength: 1, maxLength: 2 }) },
      ),
      runtimes: fc.subarray([...RUNTIMES], { minLength: 3 }),
      memoryMb: fc.constantFrom(4000, 16_000, 32_000),
    },
    { requiredKeys: ['labels'] },
  ),
  priority: fc.constantFrom<number>(0, 0, 1, 5, -3),
  maxAttempts: fc.integer({ min: 1, max: 3 }),
  timeoutMs: fc.constantFrom<number>(500, 1500, 4000, 12_000),
});
type TaskSpec = typeof taskSpecArb extends fc.Arbitrary<infer T> ? T : never;

/** Kinds of adversarial entry; each is built so that it cannot be valid where it lands. */
const ADVERSARIAL = [
  'assign_cross_project',
  'assign_unmet',
  'assign_inactive_worker',
  'assign_double',
  'assign_wrong_attempt',
  'assign_over_capacity',
  'assign_other_pool',
  'report_cross_project',
  'report_stale_attempt',
  'report_non_holder',
  'report_inactive_holder',
  'report_unassigned',
  'report_other_pool',
  'abandon_unfounded',
  'abandon_stale_attempt',
  'abandon_unassigned',
  'abandon_cross_project',
  'abandon_other_pool',
  'dead_letter_attempts_remain',
  'requeue_last_attempt',
  'submit_duplicate',
  'submit_other_pool',
  'enroll_duplicate',
  'enroll_other_pool',
  'lifecycle_invalid',
  'lifecycle_cross_project',
  'lifecycle_other_pool',
  'lifecycle_unknown',
  'cancel_ended',
  'cancel_cross_project',
  'cancel_unknown',
  'cancel_other_pool',
  'unreadable',
] as const;
type Adversarial = (typeof ADVERSARIAL)[number];

type Act =
  | { readonly k: 'enroll'; readonly w: WorkerSpec }
  | { readonly k: 'submit'; readonly p: number; readonly tasks: readonly TaskSpec[] }
  | { readonly k: 'cancel'; readonly i: number }
  | { readonly k: 'life'; readonly to: 'draining' | 'left' | 'revoked'; readonly i: number }
  | {
      readonly k: 'report';
      readonly i: number;
      readonly outcome: 'completed' | 'retryable' | 'fatal';
    }
  | {
      readonly k: 'serve';
      readonly budget: number;
      /** Every active worker claims (a busy round), besides the claims listed. */
      readonly everyone: boolean;
      readonly claims: readonly {
        readonly i: number;
        readonly max: number;
        readonly mode: 'active' | 'any' | 'cross' | 'other_pool' | 'unknown';
      }[];
    }
  | { readonly k: 'live'; readonly seen: readonly (number | null)[]; readonly grace: number }
  | { readonly k: 'far_live' }
  | { readonly k: 'noise'; readonly i: number }
  | {
      readonly k: 'adv';
      readonly kind: Adversarial;
      readonly i: number;
      readonly j: number;
      readonly x: number;
    };
interface Step {
  readonly dt: number;
  readonly act: Act;
}

const actArb: fc.Arbitrary<Act> = fc.oneof(
  { weight: 36, arbitrary: fc.record({ k: fc.constant('enroll'), w: workerSpecArb }) },
  {
    weight: 27,
    arbitrary: fc.record({
      k: fc.constant('submit'),
      p: projectArb,
      tasks: fc.array(taskSpecArb, { minLength: 1, maxLength: 4 }),
    }),
  },
  { weight: 6, arbitrary: fc.record({ k: fc.constant('cancel'), i: fc.nat() }) },
  {
    weight: 6,
    arbitrary: fc.record({
      k: fc.constant('life'),
      to: fc.constantFrom('draining', 'left', 'revoked'),
      i: fc.nat(),
    }),
  },
  {
    weight: 12,
    arbitrary: fc.record({
      k: fc.constant('report'),
      i: fc.nat(),
      outcome: fc.constantFrom('completed', 'retryable', 'fatal'),
    }),
  },
  {
    weight: 42,
    arbitrary: fc.record({
      k: fc.constant('serve'),
      budget: fc.integer({ min: 1, max: 6 }),
      everyone: fc.constantFrom(true, true, false),
      claims: fc.array(
        fc.record({
          i: fc.nat(),
          max: fc.integer({ min: 1, max: 3 }),
          mode: fc.constantFrom(
            'active',
            'active',
            'active',
            'active',
            'any',
            'cross',
            'other_pool',
            'unknown',
          ),
        }),
        { maxLength: 5 },
      ),
    }),
  },
  {
    weight: 12,
    arbitrary: fc.record({
      k: fc.constant('live'),
      // Most workers beat recently; a few are silent, or absent and counted from graceFrom.
      seen: fc.array(
        fc.oneof(
          { weight: 12, arbitrary: fc.nat(1500) },
          { weight: 1, arbitrary: fc.integer({ min: 1500, max: 6000 }) },
          { weight: 1, arbitrary: fc.constant(null) },
        ),
        { minLength: 1, maxLength: 8 },
      ),
      grace: fc.oneof({ weight: 4, arbitrary: fc.nat(1800) }, fc.nat(4000)),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('far_live') }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('noise'), i: fc.nat() }) },
  {
    weight: 48,
    arbitrary: fc.record({
      k: fc.constant('adv'),
      kind: fc.constantFrom(...ADVERSARIAL),
      i: fc.nat(),
      j: fc.nat(),
      x: fc.nat(),
    }),
  },
);

/** 20 to 80 steps ('medium' spreads lengths over the whole range; the default stops near 50). */
const historyArb: fc.Arbitrary<Step[]> = fc.array(fc.record({ dt: fc.nat(700), act: actArb }), {
  minLength: 20,
  maxLength: 80,
  size: 'medium',
});

// ---------------------------------------------------------------------------------------------
// Invariants of every folded state.
// ---------------------------------------------------------------------------------------------

const fail = (message: string): never => {
  throw new Error(message);
};

/** The invariants of every folded state (test/support/check-dispatch-state.ts). */
const checkInvariants = checkDispatchState;

/**
 * Submission order within a batch: the tasks of one message share its sequence, and those not
 * yet started must stay in the order the batch listed them (ids here are `t<n>` per project,
 * numbered in submission order), as a producer submitting [a, b, c] expects a first.
 */
const checkBatchOrder = (s: DispatchState): void => {
  const ordinal = (t: TaskState) => Number(t.id.slice(1));
  for (const byDemand of Object.values(s.queues))
    for (const queue of Object.values(byDemand))
      for (const [priority, keys] of Object.entries(queue)) {
        let prev: TaskState | undefined;
        for (const key of keys) {
          const t = s.tasks[key];
          if (t === undefined || t.attempts > 0) continue;
          if (prev?.submittedSeq === t.submittedSeq && ordinal(prev) > ordinal(t))
            fail(`[4] batch order lost in bucket ${priority}: ${t.key} queued after ${prev.key}`);
          prev = t;
        }
      }
};

// ---------------------------------------------------------------------------------------------
// Tallies across runs, reported once at the end.
// ---------------------------------------------------------------------------------------------

const tally = {
  histories: 0,
  steps: 0,
  /** Fold rejections by reason, summed over the final state of every history. */
  rejectionsByReason: {} as Record<string, number>,
  /** Claims refused at the boundary by reason, summed likewise. */
  claimsRefused: {} as Record<string, number>,
  /** Reasons each adversarial kind drew. */
  adversarial: {} as Record<string, Record<string, number>>,
  /** Accepted events by type (external and dispatcher). */
  accepted: {} as Record<string, number>,
  /** Cross-project claims of workers with no accepted claim in their round: [8] bites. */
  crossProjectOnlyClaims: 0,
};
const bump = (r: Record<string, number>, k: string, n = 1) => {
  r[k] = (r[k] ?? 0) + n;
};

// ---------------------------------------------------------------------------------------------
// The interpreter of a history.
// ---------------------------------------------------------------------------------------------

type Origin = 'external' | 'dispatcher' | 'adversarial' | 'noise';
interface Logged {
  readonly entry: LogEntry;
  readonly origin: Origin;
  readonly label: string;
}

const totalRejections = (s: DispatchState): number =>
  Object.values(s.rejections.byReason).reduce((a, b) => a + b, 0);
/** A state without the two fields a refused entry may change. */
const strip = (s: DispatchState) => ({ ...s, position: 0, rejections: null });

const isAssigned = (t: TaskState): t is AssignedTask => t.status === 'assigned';
const isEnded = (t: TaskState): boolean => t.status !== 'queued' && t.status !== 'assigned';
const live = (w: WorkerState | undefined): boolean =>
  w?.status === 'active' || w?.status === 'draining';

/** Worker statuses each lifecycle event may leave from (mirrors the contract). */
const FROM = {
  draining: ['active'],
  left: ['active', 'draining'],
  lost: ['active', 'draining'],
  revoked: ['active', 'draining', 'left', 'lost'],
} as const satisfies Record<string, readonly WorkerState['status'][]>;

const STATUS_OF_REASON = {
  worker_lost: 'lost',
  worker_revoked: 'revoked',
  worker_left: 'left',
} as const;

interface Options {
  /** Also fold every entry in place with `evolveEntryInPlace` on a private copy. */
  readonly inPlace?: boolean;
}

class Run {
  state: DispatchState = initialState(CONFIG);
  readonly inPlace: DispatchState | undefined;
  clock = T0;
  private seq = 0;
  /** Task ids are per project, so projects reuse each other's ids (t0, t1, ...) on purpose. */
  private readonly nextTask: Record<string, number> = {};
  private nextWorker = 0;
  private nextGhost = 0;
  readonly log: Logged[] = [];

  constructor(options: Options = {}) {
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
    if (origin === 'adversarial') {
      // [7] An invalid entry is refused whole and changes nothing but the counters.
      const expected = events === 'unreadable' ? 1 : events.length;
      if (gained !== expected)
        fail(`[7] adversarial ${label} was accepted (${gained} of ${expected} refused)`);
      if (!isDeepStrictEqual(strip(before), strip(after)))
        fail(`[7] adversarial ${label} was refused (${refusedNow()}) but changed the state`);
      for (const [reason, n] of Object.entries(after.rejections.byReason)) {
        const d = n - (before.rejections.byReason[reason] ?? 0);
        if (d > 0) bump((tally.adversarial[label] ??= {}), reason, d);
      }
    } else {
      // [6] The dispatcher's own decisions, and legitimate writes, are always accepted.
      if (gained !== 0) fail(`[6] ${origin} entry ${label} was refused: ${refusedNow()}`);
      if (origin === 'noise' && !isDeepStrictEqual(strip(before), strip(after)))
        fail(`noise entry ${label} changed the state`);
      if (events !== 'unreadable') for (const e of events) bump(tally.accepted, e.type);
    }
  }

  /** Appends decisions as a host would: one message per subject, through the real codec. */
  private appendDecisions(out: readonly FleetEvent[], label: string) {
    const bySubject = new Map<string, FleetEvent[]>();
    for (const e of out) {
      if (e.type === 'retention.point') continue; // never a decision
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

  private get workers(): WorkerState[] {
    return Object.values(this.state.workers);
  }
  private get tasks(): TaskState[] {
    return Object.values(this.state.tasks);
  }

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

  // -- event builders -------------------------------------------------------------------------

  private enrollment(workerId: string, w: WorkerSpec, pool: string = POOL) {
    const { project: index, ...capability } = w;
    const project = projectAt(index);
    return ev(
      'worker.enrolled',
      { workerId, project, pool, keyId: `k-${project}`, ...capability },
      this.clock,
    );
  }

  private submission(taskId: string, project: string, t: TaskSpec, pool: string = POOL) {
    return ev(
      'task.submitted',
      { taskId, project, pool, ...t, payload: { prompt: taskId } },
      this.clock,
    );
  }

  private cancellation(t: TaskState, over: { project?: string; pool?: string } = {}) {
    return ev(
      'task.cancelled',
      {
        taskId: t.id,
        project: over.project ?? t.demand.project,
        pool: over.pool ?? POOL,
        reason: 'no longer needed',
      },
      this.clock,
    );
  }

  private lifecycle(
    to: 'draining' | 'left' | 'revoked' | 'lost',
    w: { id: string; capability: { project: string } },
    over: { project?: string; pool?: string } = {},
  ) {
    const data = {
      workerId: w.id,
      project: over.project ?? w.capability.project,
      pool: over.pool ?? POOL,
    };
    switch (to) {
      case 'draining':
        return ev('worker.draining', data, this.clock);
      case 'left':
        return ev('worker.left', data, this.clock);
      case 'revoked':
        return ev('worker.revoked', { ...data, reason: 'operator' }, this.clock);
      case 'lost':
        return ev(
          'worker.lost',
          { ...data, lastSeenAt: Math.max(0, this.clock - 5000) },
          this.clock,
        );
    }
  }

  private report(
    t: TaskState,
    workerId: string,
    outcome: 'completed' | 'retryable' | 'fatal',
    over: { project?: string; pool?: string; attempt?: number } = {},
  ) {
    const data = {
      taskId: t.id,
      project: over.project ?? t.demand.project,
      pool: over.pool ?? POOL,
      workerId,
      attempt: over.attempt ?? (isAssigned(t) ? t.attempt : Math.max(1, t.attempts)),
      usage: { tokensIn: 12, tokensOut: 34, durationMs: 56 },
    };
    return outcome === 'completed'
      ? ev('task.completed', { ...data, output: { text: 'done' } }, this.clock)
      : ev(
          'task.failed',
          { ...data, error: { message: 'boom' }, retryable: outcome === 'retryable' },
          this.clock,
        );
  }

  private assignment(
    t: TaskState | undefined,
    w: WorkerState | undefined,
    over: { project?: string; pool?: string; attempt?: number } = {},
  ) {
    return ev(
      'task.assigned',
      {
        taskId: t?.id ?? `ghost-task-${this.nextGhost++}`,
        project: over.project ?? t?.demand.project ?? w?.capability.project ?? 'ops',
        pool: over.pool ?? POOL,
        workerId: w?.id ?? `ghost-worker-${this.nextGhost++}`,
        attempt: over.attempt ?? (t === undefined ? 1 : t.attempts + 1),
        leaseExpiresAt:
          this.clock + (t !== undefined && 'timeoutMs' in t.demand ? t.demand.timeoutMs : 1000),
      },
      this.clock,
    );
  }

  private abandonment(
    type: 'task.requeued' | 'task.dead_lettered',
    t: TaskState | undefined,
    reason: 'lease_expired' | 'worker_lost' | 'worker_revoked' | 'worker_left',
    over: { project?: string; pool?: string; attempt?: number } = {},
  ) {
    const data = {
      taskId: t?.id ?? `ghost-task-${this.nextGhost++}`,
      project: over.project ?? t?.demand.project ?? 'ops',
      pool: over.pool ?? POOL,
      attempt: over.attempt ?? (t === undefined ? 1 : isAssigned(t) ? t.attempt : t.attempts + 1),
      reason,
    };
    return type === 'task.requeued'
      ? ev('task.requeued', data, this.clock)
      : ev('task.dead_lettered', data, this.clock);
  }

  /** Reasons for abandoning `t` that the log supports at this position, and those it does not. */
  private reasons(t: AssignedTask) {
    const holder = this.state.workers[t.workerId];
    const all = ['lease_expired', 'worker_lost', 'worker_revoked', 'worker_left'] as const;
    const founded = (r: (typeof all)[number]) =>
      r === 'lease_expired'
        ? this.clock + CONFIG.clockSkewMs >= t.leaseExpiresAt
        : holder?.status === STATUS_OF_REASON[r];
    return { founded: all.filter(founded), unfounded: all.filter((r) => !founded(r)) };
  }

  // -- adversarial entries --------------------------------------------------------------------

  /**
   * Builds the adversarial entry `a` asks for. Each is constructed to carry at least one defect
   * the fold must refuse; where the state offers no target for the intended defect, a simpler
   * certain defect (a wrong attempt, an unknown id) stands in.
   */
  private forge(a: Extract<Act, { k: 'adv' }>): FleetEvent | 'unreadable' {
    const { i, j, x } = a;
    const s = this.state;
    const ws = this.workers;
    const ts = this.tasks;
    const queued = ts.filter((t) => t.status === 'queued');
    const assigned = ts.filter(isAssigned);
    const sameProject = (p: string) => ws.filter((w) => w.capability.project === p);
    // Another project in which task id `t.id` does not exist: naming it there finds nothing.
    // (Ids are per project, so where it does exist the event would name that project's task.)
    const foreign = (t: TaskState, n: number) =>
      pick(
        PROJECTS.filter((q) => q !== t.demand.project && s.tasks[taskKey(q, t.id)] === undefined),
        n,
      );
    const outcome = (['completed', 'retryable', 'fatal'] as const)[x % 3] ?? 'completed';
    // A certainly wrong next attempt for a queued task.
    const wrongNext = (t: TaskState) =>
      t.attempts >= 1 && x % 2 === 0 ? t.attempts : t.attempts + 2 + (x % 2);
    const staleAssign = () => {
      const t = pick(queued, i);
      const w = t === undefined ? undefined : pick(sameProject(t.demand.project), j);
      return this.assignment(t, w, { attempt: t === undefined ? 1 : wrongNext(t) });
    };
    // A certainly stale attempt for an assigned task.
    const wrongCurrent = (t: AssignedTask) =>
      t.attempt > 1 && x % 2 === 0 ? t.attempt - 1 : t.attempt + 1 + (x % 2);

    switch (a.kind) {
      case 'assign_cross_project': {
        const t = pick(queued, i);
        if (t === undefined) return this.assignment(undefined, pick(ws, j));
        const w = pick(
          ws.filter((v) => v.capability.project !== t.demand.project),
          j,
        );
        // Either the task's project (the worker is foreign) or the worker's (no such task there).
        const inWorkers =
          x % 2 === 1 &&
          w !== undefined &&
          s.tasks[taskKey(w.capability.project, t.id)] === undefined;
        return this.assignment(t, w, {
          project: inWorkers ? w.capability.project : t.demand.project,
        });
      }
      case 'assign_unmet': {
        const options = queued.flatMap((t) =>
          ws
            .filter(
              (w) =>
                w.status === 'active' &&
                w.held.length < w.capacity &&
                w.capability.project === t.demand.project &&
                unmetRequirements(t.demand, w.capability).length > 0,
            )
            .map((w) => [t, w] as const),
        );
        const o = pick(options, i);
        return o === undefined ? staleAssign() : this.assignment(o[0], o[1]);
      }
      case 'assign_inactive_worker': {
        const options = queued.flatMap((t) =>
          sameProject(t.demand.project)
            .filter((w) => w.status !== 'active')
            .map((w) => [t, w] as const),
        );
        const o = pick(options, i);
        return o === undefined ? staleAssign() : this.assignment(o[0], o[1]);
      }
      case 'assign_double': {
        const t = pick(
          ts.filter((v) => v.status !== 'queued'),
          i,
        );
        const w = t === undefined ? pick(ws, j) : pick(sameProject(t.demand.project), j);
        return this.assignment(t, w, { attempt: t === undefined ? 1 : t.attempts + 1 });
      }
      case 'assign_wrong_attempt':
        return staleAssign();
      case 'assign_over_capacity': {
        const options = ws
          .filter((w) => w.status === 'active' && w.held.length >= w.capacity)
          .flatMap((w) =>
            queued
              .filter((t) => t.demand.project === w.capability.project)
              .map((t) => [t, w] as const),
          );
        const o = pick(options, i);
        return o === undefined ? staleAssign() : this.assignment(o[0], o[1]);
      }
      case 'assign_other_pool': {
        const t = pick(queued, i);
        const w = t === undefined ? undefined : pick(sameProject(t.demand.project), j);
        return this.assignment(t, w, { pool: OTHER_POOL });
      }

      case 'report_cross_project': {
        const t = pick(assigned, i);
        if (t === undefined) return this.report(pick(ts, i) ?? ghostTask(), 'ghost-w', outcome);
        const stranger = pick(
          ws.filter(
            (w) =>
              w.capability.project !== t.demand.project &&
              s.tasks[taskKey(w.capability.project, t.id)] === undefined,
          ),
          j,
        );
        return x % 2 === 0 || stranger === undefined
          ? this.report(t, t.workerId, outcome, { project: otherProject(t.demand.project, j) })
          : this.report(t, stranger.id, outcome, { project: stranger.capability.project });
      }
      case 'report_stale_attempt': {
        const t = pick(assigned, i);
        if (t === undefined) return this.report(ghostTask(), pick(ws, j)?.id ?? 'w0', outcome);
        return this.report(t, t.workerId, outcome, { attempt: wrongCurrent(t) });
      }
      case 'report_non_holder': {
        const t = pick(assigned, i);
        if (t === undefined) return this.report(ghostTask(), pick(ws, j)?.id ?? 'w0', outcome);
        const other = pick(
          sameProject(t.demand.project).filter((w) => w.id !== t.workerId),
          j,
        );
        return this.report(t, other?.id ?? `ghost-worker-${this.nextGhost++}`, outcome);
      }
      case 'report_inactive_holder': {
        const t = pick(
          assigned.filter((v) => !live(s.workers[v.workerId])),
          i,
        );
        if (t !== undefined) return this.report(t, t.workerId, outcome);
        const u = pick(assigned, i);
        if (u === undefined) return this.report(ghostTask(), pick(ws, j)?.id ?? 'w0', outcome);
        return this.report(u, u.workerId, outcome, { attempt: wrongCurrent(u) });
      }
      case 'report_unassigned': {
        const t = pick(
          ts.filter((v) => !isAssigned(v)),
          i,
        );
        if (t === undefined) return this.report(ghostTask(), pick(ws, j)?.id ?? 'w0', outcome);
        const w = pick(sameProject(t.demand.project), j);
        return this.report(t, w?.id ?? 'w0', outcome);
      }
      case 'report_other_pool': {
        const t = pick(
          assigned.filter((v) => live(s.workers[v.workerId])),
          i,
        );
        if (t === undefined) return this.report(ghostTask(), pick(ws, j)?.id ?? 'w0', outcome);
        return this.report(t, t.workerId, outcome, { pool: OTHER_POOL });
      }

      case 'abandon_unfounded': {
        const t = pick(assigned, i);
        const type = x % 2 === 0 ? 'task.requeued' : 'task.dead_lettered';
        if (t === undefined) return this.abandonment(type, undefined, 'worker_lost');
        const reason = pick(this.reasons(t).unfounded, j) ?? 'worker_left';
        return this.abandonment(type, t, reason);
      }
      case 'abandon_stale_attempt': {
        const t = pick(assigned, i);
        const type = x % 2 === 0 ? 'task.requeued' : 'task.dead_lettered';
        if (t === undefined) return this.abandonment(type, undefined, 'lease_expired');
        const { founded, unfounded } = this.reasons(t);
        const reason = pick(founded, j) ?? pick(unfounded, j) ?? 'lease_expired';
        return this.abandonment(type, t, reason, { attempt: wrongCurrent(t) });
      }
      case 'abandon_unassigned': {
        const t = pick(
          ts.filter((v) => !isAssigned(v)),
          i,
        );
        const type = x % 2 === 0 ? 'task.requeued' : 'task.dead_lettered';
        return this.abandonment(type, t, 'lease_expired', {
          attempt: t === undefined ? 1 : Math.max(1, t.attempts),
        });
      }
      case 'abandon_cross_project': {
        const t = pick(assigned, i);
        const type = x % 2 === 0 ? 'task.requeued' : 'task.dead_lettered';
        if (t === undefined) return this.abandonment(type, undefined, 'worker_left');
        const reason = pick(this.reasons(t).founded, j) ?? 'lease_expired';
        const project = foreign(t, j);
        return project === undefined
          ? this.abandonment(type, t, reason, { attempt: wrongCurrent(t) })
          : this.abandonment(type, t, reason, { project });
      }
      case 'abandon_other_pool': {
        // Everything right but the pool: the attempt, a founded reason, the right type.
        const options = assigned.filter((v) => this.reasons(v).founded.length > 0);
        const t = pick(options, i);
        if (t === undefined) return this.abandonment('task.requeued', undefined, 'worker_left');
        const reason = pick(this.reasons(t).founded, j) ?? 'lease_expired';
        const type = t.attempt < t.maxAttempts ? 'task.requeued' : 'task.dead_lettered';
        return this.abandonment(type, t, reason, { pool: OTHER_POOL });
      }
      case 'dead_letter_attempts_remain': {
        const t = pick(
          assigned.filter((v) => v.attempt < v.maxAttempts),
          i,
        );
        if (t === undefined)
          return this.abandonment('task.dead_lettered', undefined, 'worker_lost');
        const { founded, unfounded } = this.reasons(t);
        const reason = pick(founded, j) ?? pick(unfounded, j) ?? 'worker_lost';
        return this.abandonment('task.dead_lettered', t, reason);
      }
      case 'requeue_last_attempt': {
        // The last allowed attempt was abandoned: the contract says dead-letter, not requeue.
        const t = pick(
          assigned.filter((v) => v.attempt >= v.maxAttempts),
          i,
        );
        if (t === undefined) return this.abandonment('task.requeued', undefined, 'worker_lost');
        const { founded, unfounded } = this.reasons(t);
        const reason = pick(founded, j) ?? pick(unfounded, j) ?? 'worker_lost';
        return this.abandonment('task.requeued', t, reason);
      }

      case 'submit_duplicate': {
        const t = pick(ts, i);
        const spec = { requirements: { labels: [] }, priority: 0, maxAttempts: 1, timeoutMs: 1000 };
        if (t === undefined) return this.submission(`cpu-t${this.nextGhost++}`, 'ops', spec, 'cpu');
        return this.submission(t.id, t.demand.project, spec);
      }
      case 'submit_other_pool': {
        const spec = { requirements: { labels: [] }, priority: 0, maxAttempts: 1, timeoutMs: 1000 };
        return this.submission(`cpu-t${this.nextGhost++}`, projectAt(j), spec, OTHER_POOL);
      }
      case 'enroll_duplicate':
      case 'enroll_other_pool': {
        const w = a.kind === 'enroll_duplicate' ? pick(ws, i) : undefined;
        const spec: WorkerSpec = {
          project: j % PROJECTS.length,
          models: ['llama'],
          labels: {},
          exclusive: [],
          runtime: { kind: 'process' },
          capacity: 1 + (x % 3),
        };
        return w === undefined
          ? this.enrollment(`cpu-w${this.nextGhost++}`, spec, OTHER_POOL)
          : this.enrollment(w.id, spec);
      }
      case 'lifecycle_invalid': {
        const targets = (['draining', 'left', 'lost', 'revoked'] as const).flatMap((to) =>
          ws
            .filter((w) => !(FROM[to] as readonly string[]).includes(w.status))
            .map((w) => [to, w] as const),
        );
        const o = pick(targets, i);
        if (o !== undefined) return this.lifecycle(o[0], o[1]);
        return this.lifecycle('draining', ghostWorker(this.nextGhost++));
      }
      case 'lifecycle_cross_project':
      case 'lifecycle_other_pool': {
        const w = pick(ws, i);
        const to = (['draining', 'left', 'lost', 'revoked'] as const)[j % 4] ?? 'left';
        if (w === undefined) return this.lifecycle(to, ghostWorker(this.nextGhost++));
        return a.kind === 'lifecycle_cross_project'
          ? this.lifecycle(to, w, { project: otherProject(w.capability.project, x) })
          : this.lifecycle(to, w, { pool: OTHER_POOL });
      }
      case 'lifecycle_unknown':
        return this.lifecycle(
          (['draining', 'left', 'lost', 'revoked'] as const)[j % 4] ?? 'left',
          ghostWorker(this.nextGhost++),
        );
      case 'cancel_ended':
        return this.cancellation(
          pick(
            ts.filter((t) => isEnded(t)),
            i,
          ) ?? ghostTask(),
        );
      case 'cancel_cross_project': {
        const t = pick(ts, i) ?? ghostTask();
        const project = foreign(t, j);
        return project === undefined
          ? this.cancellation(ghostTask())
          : this.cancellation(t, { project });
      }
      case 'cancel_unknown':
        return this.cancellation(ghostTask());
      case 'cancel_other_pool': {
        const t = pick(
          ts.filter((v) => !isEnded(v)),
          i,
        );
        return t === undefined
          ? this.cancellation(ghostTask())
          : this.cancellation(t, { pool: OTHER_POOL });
      }
      case 'unreadable':
        return 'unreadable';
    }
  }
}

/** A task that no log ever submitted. */
const ghostTask = (): TaskState => ({
  status: 'queued',
  id: 'ghost-task' as TaskState['id'],
  key: taskKey('ops', 'ghost-task'),
  demand: {
    project: 'ops' as ProjectId,
    pool: POOL,
    requirements: { labels: [] },
    timeoutMs: 1000,
  },
  reqSig: '',
  priority: 0,
  payload: null,
  maxAttempts: 1,
  submittedSeq: 0,
  attempts: 0,
});
const ghostWorker = (n: number) => ({
  id: `ghost-worker-${n}`,
  capability: { project: 'ops' },
});

/**
 * [8] and the boundary: a claim naming another project than its worker's is refused with
 * `cross_project`; every claim is refused exactly as the rules say; only workers with an
 * accepted claim get work, and only work of their own project and pool.
 */
const checkServed = (
  s: DispatchState,
  cmd: Extract<DispatchCommand, { type: 'serve_claims' }>,
  out: readonly FleetEvent[],
): void => {
  const expected: string[] = [];
  const served = new Set<string>();
  for (const c of cmd.data.claims) {
    const w = s.workers[c.workerId];
    const reason =
      w === undefined
        ? 'unknown_worker'
        : w.capability.project !== c.project
          ? 'cross_project'
          : w.capability.pool !== c.pool || c.pool !== POOL
            ? 'wrong_pool'
            : w.status === 'active'
              ? undefined
              : `worker_${w.status}`;
    if (reason === undefined) served.add(c.workerId);
    else expected.push(`${c.workerId} ${c.project} ${c.pool} ${reason}`);
  }
  const actual = out.flatMap((e) =>
    e.type === 'claim.rejected'
      ? [`${e.data.workerId} ${e.data.project} ${e.data.pool} ${e.data.reason}`]
      : [],
  );
  if (!isDeepStrictEqual([...actual].sort(), [...expected].sort()))
    fail(`[8] claims refused as ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  for (const c of cmd.data.claims) {
    const w = s.workers[c.workerId];
    if (w !== undefined && w.capability.project !== c.project && !served.has(w.id))
      tally.crossProjectOnlyClaims += 1;
  }
  for (const e of out) {
    if (e.type !== 'task.assigned') continue;
    if (!served.has(e.data.workerId))
      fail(`[8] ${e.data.workerId} got ${e.data.taskId} without an accepted claim`);
    const w = s.workers[e.data.workerId];
    const t = s.tasks[taskKey(e.data.project, e.data.taskId)];
    if (w?.capability.project !== e.data.project || t?.demand.project !== e.data.project)
      fail(`[1] decision assigns ${e.data.taskId} across projects to ${e.data.workerId}`);
  }
};

/** Plays a history; on failure, the error carries the log that led to it. */
const playOrExplain = (run: Run, steps: readonly Step[]): void => {
  try {
    run.play(steps);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new Error(`${message}\n--- log (${run.log.length} entries) ---\n${run.render()}`, {
      cause: e,
    });
  }
};

// ---------------------------------------------------------------------------------------------
// Properties.
// ---------------------------------------------------------------------------------------------

describe('dispatcher core over random adversarial histories', () => {
  afterAll(() => {
    const sorted = (r: Record<string, number>) =>
      Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)));
    console.log(
      JSON.stringify(
        {
          histories: tally.histories,
          steps: tally.steps,
          crossProjectOnlyClaims: tally.crossProjectOnlyClaims,
          foldRejectionsByReason: sorted(tally.rejectionsByReason),
          claimsRefusedByReason: sorted(tally.claimsRefused),
          acceptedByType: sorted(tally.accepted),
          adversarialKindToReasons: Object.fromEntries(
            Object.entries(tally.adversarial)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, v]) => [k, sorted(v)]),
          ),
        },
        null,
        1,
      ),
    );
  });

  it('keeps invariants 1-5 after every entry; accepts its own decisions (6); refuses adversarial entries without effect (7) and cross-project claims (8); leaves no dead attempt assigned (9); folds alike through evolve and evolveEntryInPlace', () => {
    fc.assert(
      fc.property(historyArb, (steps) => {
        const run = new Run({ inPlace: true });
        playOrExplain(run, steps);
        // Determinism of the two paths: immer's `evolve` and `evolveEntryInPlace` in place.
        if (!isDeepStrictEqual(run.inPlace, run.state)) expect(run.inPlace).toEqual(run.state);
        tally.histories += 1;
        for (const [r, n] of Object.entries(run.state.rejections.byReason))
          bump(tally.rejectionsByReason, r, n);
        for (const [r, n] of Object.entries(run.state.claimsRefused))
          bump(tally.claimsRefused, r, n);
      }),
      { numRuns: 1000 },
    );
    // 10-25 s of CPU alone; with the whole suite sharing two cores it can take three times that.
  }, 300_000);

  it('shares one round fairly: a project that flooded the queue earlier cannot starve another', () => {
    fc.assert(
      fc.property(
        fc.record({
          nA: fc.integer({ min: 6, max: 40 }),
          nBSeed: fc.nat(),
          budgetSeed: fc.nat(),
          weight: fc.integer({ min: 1, max: 3 }),
          priority: fc.constantFrom(-5, 0, 7),
          capacitiesA: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 3 }),
          capacitiesB: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 3 }),
          batch: fc.integer({ min: 1, max: 8 }),
          projects: fc.constantFrom([0, 1], [1, 0], [2, 0], [1, 2]),
          aModels: fc.constantFrom(['llama'], ['llama', 'qwen']),
        }),
        (g) => {
          const A = projectAt(g.projects[0]);
          const B = projectAt(g.projects[1]);
          // A submitted many more tasks than B: at least twice as many, all of them earlier.
          const nB = 1 + (g.nBSeed % Math.floor(g.nA / 2));
          const budget = 1 + (g.budgetSeed % (g.nA + nB - 1));
          const state0 = initialState({ ...CONFIG, weights: { [A]: g.weight, [B]: g.weight } });
          const entries: LogEntry[] = [];
          const push = (events: FleetEvent[]) =>
            entries.push({ seq: entries.length + 1, at: T0, events });
          const claims: { workerId: string; project: ProjectId; pool: PoolId; max: number }[] = [];
          const enroll = (project: ProjectId, capacities: readonly number[]) => {
            capacities.forEach((c, k) => {
              // The first worker alone has room for the whole budget: plenty of slots.
              const capacity = k === 0 ? Math.max(c, budget) : c;
              const workerId = `${project}-w${k}`;
              push([
                ev('worker.enrolled', {
                  workerId,
                  project,
                  pool: POOL,
                  keyId: 'k1',
                  models: ['llama', 'qwen'],
                  capacity,
                }),
              ]);
              claims.push({ workerId, project, pool: POOL, max: Math.min(capacity, 1000) });
            });
          };
          enroll(A, g.capacitiesA);
          enroll(B, g.capacitiesB);
          const submitAll = (project: ProjectId, n: number, models: string[]) => {
            for (let k = 0; k < n; k += g.batch)
              push(
                Array.from({ length: Math.min(g.batch, n - k) }, (_, m) =>
                  ev('task.submitted', {
                    taskId: `${project}-t${k + m}`,
                    project,
                    pool: POOL,
                    priority: g.priority,
                    requirements: { models },
                  }),
                ),
              );
          };
          submitAll(A, g.nA, [...g.aModels]);
          submitAll(B, nB, ['llama']);
          const state = evolveEntries(state0, entries);
          expect(totalRejections(state)).toBe(0);
          const out = decide(
            state,
            ServeClaims.parse({
              type: 'serve_claims',
              data: { claims, budget },
              meta: { now: T0 + 1 },
            }),
          );
          const assignedTo = (p: string) =>
            out.filter((e) => e.type === 'task.assigned' && e.data.project === p).length;
          expect(assignedTo(A) + assignedTo(B)).toBe(budget);
          expect(assignedTo(B)).toBeGreaterThanOrEqual(Math.min(nB, Math.floor(budget / 2)));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
