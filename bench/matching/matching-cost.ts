/**
 * Matching cost vs pool size: `decide(serve_claims)` and `whyWaiting` timed on both pools in
 * interleaved rounds (so drift in the machine's load hits both alike), printed as a table.
 */
import { decide, whyWaiting } from '../../domain/pool/index.ts';
import { LARGE, ROUND_NS, ROUNDS, SAMPLES, SMALL, WARMUP_NS } from './knobs.ts';
import type { Pool, PoolInputs } from './pools.ts';
import { fmt, table } from './table.ts';
import { median, timeOps, warm } from './timing.ts';

/** Each measurement makes, for pool `p`, the call under test over its sample `i`. */
const measurements = (pools: readonly Pool[], inputs: readonly PoolInputs[]) => [
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

/** Times matching on every pool and prints the table and its sanity line. */
export const matchingCost = (pools: readonly Pool[], inputs: readonly PoolInputs[]): void => {
  // Warm every (measurement, pool) pair, then interleave timed rounds.
  const plan = measurements(pools, inputs).map((m) => {
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

  console.log('\nMatching cost vs pool size (ratio = 10,000-worker cost / 100-worker cost)');
  console.log(table(rows, (c) => c > 0 && c < 7));
  console.log(
    `sanity: tasks assigned per serve_claims call ${avgAssigned.map((a) => fmt(a, 2)).join(' / ')}; wait reasons sampled ${[...reasons].map(([k, n]) => `${k} ${n}`).join(', ')}`,
  );
};
