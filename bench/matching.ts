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
 * The parts live in `bench/matching/`.
 */
import { cpus } from 'node:os';
import { unmetRequirements } from '../domain/pool/index.ts';
import { evolveSegments, foldCost } from './matching/fold-cost.ts';
import { buildHistory } from './matching/history.ts';
import { matchingCost } from './matching/matching-cost.ts';
import { describePool, matchingPools, poolInputs } from './matching/pools.ts';
import { fmt } from './matching/table.ts';
import { capabilityOf, demandOf } from './matching/templates.ts';
import { sink } from './matching/timing.ts';
import { workload } from './matching/workload.ts';

// Built in this order: each draws from the one seeded random stream, so the order fixes the data.
const w = workload();
const pools = matchingPools(w);
const inputs = poolInputs(pools);
const history = buildHistory(w);
const segments = evolveSegments(history);

const started = process.hrtime.bigint();
const cpu = cpus()[0];
console.log('Fleet dispatcher micro-benchmark');
console.log(
  `machine: ${cpu?.model.trim() ?? 'unknown CPU'}, ${cpus().length} cores, node ${process.version}, ${process.platform}/${process.arch}`,
);
for (const p of pools) console.log(`pool: ${describePool(p.state)}`);
const servable = w.demands.filter((d) =>
  w.caps.some((c) => unmetRequirements(demandOf(d), capabilityOf(c)).length === 0),
).length;
console.log(
  `demand signatures with at least one eligible capability: ${servable}/${w.demands.length}`,
);

matchingCost(pools, inputs);
foldCost(history, segments);

const total = Number(process.hrtime.bigint() - started) / 1e9;
console.log(
  `\n(exact folds reach the same final state; sink ${sink() % 1000}; total ${fmt(total, 1)} s)`,
);
