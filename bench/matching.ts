/**
 * Micro-benchmark of the dispatcher core (`npm run bench`, or `npx tsx bench/matching.ts`).
 *
 * 1. Matching: `decide(serve_claims)` for one claim of a random active worker, and `whyWaiting`
 *    for a random queued task, on two pools that differ only in size — 100 and 10,000 workers
 *    drawn from the same 50 capability signatures, across 3 projects, with the same 2,000
 *    queued tasks over 20 demand signatures. The design claims matching costs grow with
 *    signatures, not workers: the ratio 10,000-worker cost / 100-worker cost should be near 1.
 * 2. Folding: events/s of `evolveEntryInPlace` in place on a private state, of `evolveEntries` (one immer
 *    draft for the whole history) and of `evolve` (one immer `produce` per entry) over the same
 *    10,000-event history, so we know which one the dispatcher can afford.
 *
 * Decisions are never folded back, so every timed call sees the same state. Deterministic
 * (seeded PRNG); each measurement runs in interleaved rounds and the median is reported.
 */
import { cpus } from 'node:os';
import {
  capabilitySignature,
  decide,
  demandSignature,
  evolveEntry,
  evolveEntries,
  evolveEntryInPlace,
  initialState,
  unmetRequirements,
  whyWaiting,
} from '../domain/pool/index.ts';
import type { Capability, Demand, DispatchState } from '../domain/pool/index.ts';
import { EventSchemas } from '../events/index.ts';
import type {
  DispatchCommand,
  EventOf,
  EventType,
  FleetEvent,
  FleetEventInput,
  LogEntry,
  PoolId,
  ProjectId,
  TaskId,
  WorkerId,
} from '../events/index.ts';

// ---------------------------------------------------------------------------------------------
// Knobs

const SEED = 0xf1ee7;
const SMALL = 100;
const LARGE = 10_000;
const CAPABILITY_SIGNATURES = 50;
const DEMAND_SIGNATURES = 20;
const QUEUED_TASKS = 2_000;
const FOLD_EVENTS = 10_000;
const FOLD_WORKERS = 500;
const ROUNDS = 7;
/** Target wall time of one timed round of a matching measurement. */
const ROUND_NS = 120_000_000;
/** Wall time spent warming each (measurement, pool) pair before timing. */
const WARMUP_NS = 250_000_000;
/** Upper bound for all rounds of one exact fold. */
const FOLD_BUDGET_NS = 5_000_000_000;
/** Rounds of the sampled estimate of the per-entry immer fold. */
const FOLD_ROUNDS_ESTIMATED = 5;
/** `--exact`: also fold the whole history with one immer `produce` per entry (takes minutes). */
const EXACT = process.argv.includes('--exact');

const POOL = 'gpu' as PoolId;
const PROJECTS = ['health-prod', 'fin-prod', 'retail-dev'] as ProjectId[];
const BASE_TIME = 1_700_000_000_000;

// ---------------------------------------------------------------------------------------------
// Helpers

/** mulberry32: small, fast, seedable. */
const prng = (seed: number) => {
  let a = seed >>> 0;
  return (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};
const rng = prng(SEED);
const int = (n: number): number => Math.floor(rng() * n);
const pick = <T>(xs: readonly T[]): T => {
  const x = xs[int(xs.length)];
  if (x === undefined) throw new Error('pick from an empty list');
  return x;
};
const some = <T>(xs: readonly T[], min: number, max: number): T[] => {
  const n = min + int(max - min + 1);
  return [...xs].sort(() => rng() - 0.5).slice(0, n);
};
const chance = (p: number): boolean => rng() < p;

type DataInput<T extends EventType> = Extract<FleetEventInput, { type: T }>['data'];
/** A valid event (defaults filled in by the contract's schema). */
const ev = <T extends EventType>(type: T, data: DataInput<T>, at = BASE_TIME): EventOf<T> =>
  EventSchemas[type].parse({ type, data, meta: { at } }) as EventOf<T>;

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
};

/** Keeps results alive so the JIT cannot drop the work. */
let sink = 0;

/** Runs `fn` `ops` times; returns ns per op. */
const timeOps = (ops: number, fn: (i: number) => number): number => {
  let acc = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) acc += fn(i);
  const ns = Number(process.hrtime.bigint() - t0);
  sink += acc;
  return ns / ops;
};

/** Runs `fn` repeatedly for about `ns` nanoseconds; returns the observed ns per op. */
const warm = (ns: number, fn: (i: number) => number): number => {
  let ops = 0;
  let acc = 0;
  const t0 = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < ns) {
    for (let k = 0; k < 64; k++) acc += fn(ops++);
    elapsed = Number(process.hrtime.bigint() - t0);
  }
  sink += acc;
  return elapsed / ops;
};

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

// ---------------------------------------------------------------------------------------------
// Capability and demand signatures

const MODELS = ['llama-3.1-8b', 'llama-3.1-70b', 'mistral-7b', 'qwen2-72b', 'whisper-large'];
const GPUS = [
  { gpu: 'l4', vram: 24 },
  { gpu: 'a100', vram: 80 },
  { gpu: 'h100', vram: 80 },
  { gpu: 'a10g', vram: 24 },
];
const REGIONS = ['eu-west', 'us-east', 'ap-south'];
const CUDA = ['11.8', '12.1', '12.4']; // numeric strings: compared as numbers by gt/gte/lt/lte
const RUNTIMES = [
  { kind: 'process' },
  { kind: 'docker', memoryMb: 32_768 },
  { kind: 'kubernetes', memoryMb: 65_536 },
  { kind: 'lambda', maxDurationMs: 900_000, memoryMb: 10_240 },
] as const;

/** Enrollment templates: one per capability signature (the worker id is filled in later). */
const enrollmentTemplates = (): EventOf<'worker.enrolled'>[] => {
  const out: EventOf<'worker.enrolled'>[] = [];
  const seen = new Set<string>();
  for (let i = 0; out.length < CAPABILITY_SIGNATURES; i++) {
    const g = pick(GPUS);
    const reserved = chance(0.1);
    const labels: Record<string, string | number | boolean> = {
      gpu: g.gpu,
      vram: g.vram,
      region: pick(REGIONS),
      cuda: pick(CUDA),
    };
    if (chance(0.3)) labels['spot'] = true;
    if (reserved) labels['reserved'] = 'team-a';
    const e = ev('worker.enrolled', {
      workerId: 'template',
      project: PROJECTS[out.length % PROJECTS.length] ?? 'health-prod',
      pool: POOL,
      keyId: 'k1',
      models: some(MODELS, 1, 2),
      labels,
      exclusive: reserved ? ['reserved'] : [],
      runtime: { ...pick(RUNTIMES) },
      capacity: 1,
    });
    const sig = capabilitySignature(capabilityOf(e));
    if (seen.has(sig)) continue;
    seen.add(sig);
    out.push(e);
  }
  return out;
};

const capabilityOf = (e: EventOf<'worker.enrolled'>): Capability => ({
  project: e.data.project,
  pool: e.data.pool,
  models: e.data.models,
  labels: e.data.labels,
  exclusive: e.data.exclusive,
  runtime: e.data.runtime,
});

const LABEL_CONSTRAINTS = [
  { key: 'vram', op: 'gte', value: 40 },
  { key: 'gpu', op: 'in', values: ['a100', 'h100'] },
  { key: 'region', op: 'eq', value: 'eu-west' },
  { key: 'cuda', op: 'gte', value: 12 },
  { key: 'spot', op: 'neq', value: true },
  { key: 'region', op: 'notIn', values: ['ap-south'] },
] as const;

/** Submission templates: one per demand signature (the task id is filled in later). */
const submissionTemplates = (): EventOf<'task.submitted'>[] => {
  const out: EventOf<'task.submitted'>[] = [];
  const seen = new Set<string>();
  while (out.length < DEMAND_SIGNATURES) {
    const req: DataInput<'task.submitted'>['requirements'] = {
      labels: some(LABEL_CONSTRAINTS, 0, 2).map((c) =>
        'values' in c ? { ...c, values: [...c.values] } : { ...c },
      ),
    };
    if (chance(0.8)) req.models = some(MODELS, 1, 2);
    if (chance(0.1)) req.labels = [...(req.labels ?? []), { key: 'reserved', op: 'exists' }];
    if (chance(0.3)) req.runtimes = some(['process', 'docker', 'kubernetes', 'lambda'], 1, 3);
    if (chance(0.2)) req.memoryMb = 16_384;
    const e = ev('task.submitted', {
      taskId: 'template',
      project: PROJECTS[out.length % PROJECTS.length] ?? 'health-prod',
      pool: POOL,
      requirements: req,
      timeoutMs: pick([60_000, 300_000, 1_800_000]),
    });
    const d = e.data;
    const demand: Demand = {
      project: d.project,
      pool: d.pool,
      requirements: d.requirements,
      timeoutMs: d.timeoutMs,
    };
    const sig = demandSignature(demand);
    if (seen.has(sig)) continue;
    seen.add(sig);
    out.push(e);
  }
  return out;
};

const caps = enrollmentTemplates();
const demands = submissionTemplates();

const enroll = (i: number, at: number): EventOf<'worker.enrolled'> => {
  const tpl = caps[i % caps.length];
  if (tpl === undefined) throw new Error('no capability templates');
  return {
    ...tpl,
    data: { ...tpl.data, workerId: `w${i}` as WorkerId, capacity: 1 + (i % 4) },
    meta: { at },
  };
};

const submit = (i: number, at: number): EventOf<'task.submitted'> => {
  const tpl = pick(demands);
  return {
    ...tpl,
    data: { ...tpl.data, taskId: `t${i}` as TaskId, priority: pick([0, 0, 0, 0, 1, 5]) },
    meta: { at },
  };
};

// ---------------------------------------------------------------------------------------------
// Pools for matching: same signatures and tasks, different number of workers

const submissions = Array.from({ length: QUEUED_TASKS }, (_, i) => submit(i, BASE_TIME));

/** Folds a pool in place (no immer): workers first, then the queued tasks. */
const buildPool = (workers: number): DispatchState => {
  const s = initialState({ pool: POOL });
  let seq = 0;
  const fold = (e: FleetEvent) => {
    seq += 1;
    evolveEntryInPlace(s, { seq, at: BASE_TIME + seq, events: [e] });
  };
  for (let i = 0; i < workers; i++) fold(enroll(i, BASE_TIME));
  for (const e of submissions) fold(e);
  const refused = Object.values(s.rejections.byReason).reduce((a, b) => a + b, 0);
  if (refused > 0) throw new Error(`pool build refused ${refused} events`);
  return s;
};

const pools = [
  { workers: SMALL, state: buildPool(SMALL) },
  { workers: LARGE, state: buildPool(LARGE) },
];

const SAMPLES = 4096;

/** Precomputed random inputs, so the timed loop does nothing but the call under test. */
const inputs = pools.map(({ state }) => {
  const workers = Object.values(state.workers);
  const queued = Object.values(state.tasks).filter((t) => t.status === 'queued');
  const commands: DispatchCommand[] = Array.from({ length: SAMPLES }, () => {
    const w = pick(workers);
    return {
      type: 'serve_claims',
      data: {
        claims: [{ workerId: w.id, project: w.capability.project, pool: POOL, max: 1 + int(4) }],
        budget: 1000,
      },
      meta: { now: BASE_TIME + 60_000 },
    };
  });
  const tasks = Array.from({ length: SAMPLES }, () => {
    const t = pick(queued);
    return { project: t.demand.project, id: t.id };
  });
  return { commands, tasks };
});

const measurements = [
  {
    name: 'decide(serve_claims), 1 claim',
    run: (p: number) => {
      const { state } = pools[p] ?? {};
      const { commands } = inputs[p] ?? {};
      if (state === undefined || commands === undefined) throw new Error('no pool');
      return (i: number) => {
        const command = commands[i & (SAMPLES - 1)];
        return command === undefined ? 0 : decide(state, command).length;
      };
    },
  },
  {
    name: 'whyWaiting(queued task)',
    run: (p: number) => {
      const { state } = pools[p] ?? {};
      const { tasks } = inputs[p] ?? {};
      if (state === undefined || tasks === undefined) throw new Error('no pool');
      return (i: number) => {
        const t = tasks[i & (SAMPLES - 1)];
        if (t === undefined) return 0;
        const r = whyWaiting(state, t.project, t.id);
        return r.kind === 'awaiting_claim' ? r.eligibleWorkers : r.kind.length;
      };
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Fold history: enrollments, then a mix of submissions, claim rounds, completions and retries

const buildHistory = (): { entries: LogEntry[]; events: number } => {
  const sim = initialState({ pool: POOL });
  const entries: LogEntry[] = [];
  let events = 0;
  let seq = 0;
  let nextTask = 0;
  const held: { taskId: TaskId; workerId: WorkerId; project: ProjectId; attempt: number }[] = [];
  const append = (list: FleetEvent[]) => {
    seq += 1;
    const entry: LogEntry = { seq, at: BASE_TIME + seq * 10, events: list };
    evolveEntryInPlace(sim, entry);
    entries.push(entry);
    events += list.length;
  };
  for (let i = 0; i < FOLD_WORKERS; i++) append([enroll(i, BASE_TIME)]);
  const workers = Object.values(sim.workers);
  while (events < FOLD_EVENTS) {
    const at = BASE_TIME + (seq + 1) * 10;
    const r = rng();
    if (r < 0.45) {
      append([submit(nextTask++, at)]);
    } else if (r < 0.75) {
      const w = pick(workers);
      const out = decide(sim, {
        type: 'serve_claims',
        data: {
          claims: [{ workerId: w.id, project: w.capability.project, pool: POOL, max: 1 + int(4) }],
          budget: 1000,
        },
        meta: { now: at },
      }).slice(0, FOLD_EVENTS - events);
      if (out.length === 0) continue;
      for (const e of out)
        if (e.type === 'task.assigned')
          held.push({
            taskId: e.data.taskId,
            workerId: e.data.workerId,
            project: e.data.project,
            attempt: e.data.attempt,
          });
      append(out);
    } else if (held.length > 0) {
      const k = int(held.length);
      const h = held[k];
      const last = held.pop();
      if (h === undefined || last === undefined) continue;
      if (k < held.length) held[k] = last;
      const ref = { ...h, pool: POOL };
      append([
        chance(0.9)
          ? ev('task.completed', ref, at)
          : ev('task.failed', { ...ref, error: { message: 'transient' } }, at),
      ]);
    }
  }
  const refused = Object.values(sim.rejections.byReason).reduce((a, b) => a + b, 0);
  if (refused > 0) throw new Error(`history build refused ${refused} events`);
  return { entries, events };
};

const history = buildHistory();

/** Exact folds of the whole history, timed end to end. */
const folds = [
  {
    name: 'evolveEntryInPlace in place (private state)',
    run: (): DispatchState => {
      const s = initialState({ pool: POOL });
      for (const e of history.entries) evolveEntryInPlace(s, e);
      return s;
    },
  },
  {
    name: 'evolveEntries (one immer draft for all)',
    run: (): DispatchState => evolveEntries(initialState({ pool: POOL }), history.entries),
  },
];
if (EXACT)
  folds.push({
    name: 'evolve (immer produce per entry), exact',
    run: (): DispatchState => {
      let s = initialState({ pool: POOL });
      for (const e of history.entries) s = evolveEntry(s, e).state;
      return s;
    },
  });

/**
 * `evolve` (one immer `produce` per entry) costs O(size of the state) per entry, so a full run
 * over the history takes ~45 s on a small machine: too slow for the bench. Its cost is estimated
 * instead: the history is cut into `SEGMENTS`; each segment's cost is its length times the
 * per-entry cost of `evolve` over `WINDOW` consecutive entries at the segment's start, folded
 * onto the (frozen) state the log has there. `--exact` also runs the whole thing.
 */
const SEGMENTS = 25;
const WINDOW = 16;
const segments = (() => {
  const n = history.entries.length;
  const len = Math.ceil(n / SEGMENTS);
  const out: { state: DispatchState; window: LogEntry[]; events: number }[] = [];
  let state = initialState({ pool: POOL });
  for (let start = 0; start < n; start += len) {
    const segment = history.entries.slice(start, start + len);
    out.push({
      state,
      window: segment.slice(0, WINDOW),
      events: segment.reduce((a, e) => a + ('events' in e ? e.events.length : 1), 0),
    });
    state = evolveEntries(state, segment); // frozen, as `evolve` leaves it
  }
  return out;
})();

/** One estimate of the whole history's `evolve` time, in ns. */
const estimateEvolve = (): number => {
  let total = 0;
  for (const seg of segments) {
    let s = seg.state;
    const t0 = process.hrtime.bigint();
    for (const e of seg.window) s = evolveEntry(s, e).state;
    const ns = Number(process.hrtime.bigint() - t0);
    sink += s.position;
    const windowEvents = seg.window.reduce((a, e) => a + ('events' in e ? e.events.length : 1), 0);
    total += (ns / windowEvents) * seg.events;
  }
  return total;
};

// ---------------------------------------------------------------------------------------------
// Run

const started = process.hrtime.bigint();
const cpu = cpus()[0];
console.log('Fleet dispatcher micro-benchmark');
console.log(
  `machine: ${cpu?.model.trim() ?? 'unknown CPU'}, ${cpus().length} cores, node ${process.version}, ${process.platform}/${process.arch}`,
);

const describePool = (s: DispatchState): string => {
  const queued = Object.values(s.queues)
    .flatMap((q) => Object.values(q))
    .flatMap((q) => Object.values(q))
    .reduce((a, ids) => a + ids.length, 0);
  return `${fmt(Object.keys(s.workers).length)} workers, ${Object.keys(s.capabilities).length} capability sigs, ${fmt(queued)} queued tasks, ${Object.keys(s.demands).length} demand sigs, ${Object.keys(s.queues).length} projects`;
};
for (const p of pools) console.log(`pool: ${describePool(p.state)}`);
const servable = demands.filter((d) =>
  caps.some((c) => {
    const { project, pool, requirements, timeoutMs } = d.data;
    const demand: Demand = { project, pool, requirements, timeoutMs };
    return unmetRequirements(demand, capabilityOf(c)).length === 0;
  }),
).length;
console.log(
  `demand signatures with at least one eligible capability: ${servable}/${demands.length}`,
);

// Matching: warm every (measurement, pool) pair, then interleave timed rounds.
const plan = measurements.map((m) => {
  const fns = pools.map((_, p) => m.run(p));
  const perOp = fns.map((fn) => warm(WARMUP_NS, fn));
  const ops = perOp.map((ns) => Math.max(200, Math.round(ROUND_NS / ns)));
  return { name: m.name, fns, ops, samples: pools.map((): number[] => []) };
});
for (let round = 0; round < ROUNDS; round++)
  for (const m of plan)
    m.fns.forEach((fn, p) => {
      m.samples[p]?.push(timeOps(m.ops[p] ?? 1, fn));
    });

const avgAssigned = inputs.map(({ commands }, p) => {
  const state = pools[p]?.state;
  if (state === undefined) return 0;
  const n = commands.slice(0, 1000).reduce((a, c) => a + decide(state, c).length, 0);
  return n / 1000;
});

// Sanity: every sampled task must be found waiting, or the timings measure a lookup miss.
const reasons = new Map<string, number>();
inputs.forEach(({ tasks }, p) => {
  const state = pools[p]?.state;
  if (state === undefined) return;
  for (const t of tasks) {
    const kind = whyWaiting(state, t.project, t.id).kind;
    reasons.set(kind, (reasons.get(kind) ?? 0) + 1);
  }
});
if (reasons.has('not_waiting')) throw new Error('whyWaiting did not find the sampled tasks');

const rows: string[][] = [
  [
    'measure (median of 7 rounds)',
    `${fmt(SMALL)} workers ops/s`,
    'µs/op',
    `${fmt(LARGE)} workers ops/s`,
    'µs/op',
    'ratio',
    'best-round ratio',
    'verdict',
  ],
];
for (const m of plan) {
  const [small, large] = m.samples.map((xs) => median(xs));
  const [bestSmall, bestLarge] = m.samples.map((xs) => Math.min(...xs));
  if (small === undefined || large === undefined) continue;
  if (bestSmall === undefined || bestLarge === undefined) continue;
  const ratio = large / small;
  rows.push([
    m.name,
    fmt(1e9 / small),
    fmt(small / 1000, 2),
    fmt(1e9 / large),
    fmt(large / 1000, 2),
    `${fmt(ratio, 2)}x`,
    `${fmt(bestLarge / bestSmall, 2)}x`,
    ratio < 2 ? 'flat' : 'GROWS with workers',
  ]);
}

const table = (data: string[][], right: (col: number) => boolean): string => {
  const widths = data[0]?.map((_, c) => Math.max(...data.map((r) => (r[c] ?? '').length))) ?? [];
  const line = (r: string[]) =>
    r
      .map((cell, c) => (right(c) ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0)))
      .join('  ')
      .trimEnd();
  const [head, ...body] = data;
  return [
    head ? line(head) : '',
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
  ].join('\n');
};

console.log('\nMatching cost vs pool size (ratio = 10,000-worker cost / 100-worker cost)');
console.log(table(rows, (c) => c > 0 && c < 7));
console.log(
  `sanity: tasks assigned per serve_claims call ${avgAssigned.map((a) => fmt(a, 2)).join(' / ')}; wait reasons sampled ${[...reasons].map(([k, n]) => `${k} ${n}`).join(', ')}`,
);

// Folding: one warm-up run each, then as many rounds as fit (at least 3, at most 7).
const foldRows: string[][] = [['fold of the same history', 'events/s', 'µs/event', 'vs in place']];
const foldResults: { name: string; ns: number }[] = [];
const finals: string[] = [];
for (const f of folds) {
  const t0 = process.hrtime.bigint();
  finals.push(JSON.stringify(f.run()));
  const once = Number(process.hrtime.bigint() - t0);
  const rounds = Math.max(3, Math.min(ROUNDS, Math.floor(FOLD_BUDGET_NS / Math.max(once, 1))));
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const s0 = process.hrtime.bigint();
    sink += f.run().position;
    samples.push(Number(process.hrtime.bigint() - s0));
  }
  foldResults.push({ name: `${f.name} [${rounds} rounds]`, ns: median(samples) });
}
if (new Set(finals).size !== 1) throw new Error('the folds disagree on the final state');
// The sampled `evolve` must do what `evolveEntries` does on the same window.
const lastSegment = segments.at(-1);
if (lastSegment !== undefined) {
  const viaEvolve = lastSegment.window.reduce((s, e) => evolveEntry(s, e).state, lastSegment.state);
  const viaAll = evolveEntries(lastSegment.state, lastSegment.window);
  if (JSON.stringify(viaEvolve) !== JSON.stringify(viaAll))
    throw new Error('evolve and evolveEntries disagree');
}
estimateEvolve(); // warm-up
const estimates = Array.from({ length: FOLD_ROUNDS_ESTIMATED }, estimateEvolve);
foldResults.push({
  name: `evolve (immer produce per entry), estimated* [${FOLD_ROUNDS_ESTIMATED} rounds]`,
  ns: median(estimates),
});
const base = foldResults[0]?.ns ?? NaN;
for (const r of foldResults)
  foldRows.push([
    r.name,
    fmt((history.events * 1e9) / r.ns),
    fmt(r.ns / history.events / 1000, 2),
    `${fmt(r.ns / base, 1)}x`,
  ]);
console.log(
  `\nFolding cost: ${fmt(history.events)} events in ${fmt(history.entries.length)} entries (${FOLD_WORKERS} workers; submissions, claim rounds, completions, retries), median`,
);
console.log(table(foldRows, (c) => c > 0));
console.log(
  `* ${SEGMENTS} windows of ${WINDOW} entries, one per ${fmt(Math.ceil(history.entries.length / SEGMENTS))}-entry segment, scaled by segment size${EXACT ? '' : '; --exact times the whole run (slow)'}`,
);

const total = Number(process.hrtime.bigint() - started) / 1e9;
console.log(
  `\n(exact folds reach the same final state; sink ${sink % 1000}; total ${fmt(total, 1)} s)`,
);
