/**
 * Memory benchmark (`npm run bench`, or `node --expose-gc --import tsx bench/memory.ts`): the
 * heap a pool's dispatcher state holds per queued task and per enrolled worker, at several sizes,
 * so the curve shows whether memory stays linear (and under the goals: ≤ 0.5 KB per queued task,
 * ≤ 1 KB per worker).
 *
 * In process and pure: it folds contract-valid events (the same `evolve` the dispatcher folds the
 * log with) into a fresh state, entries of 1,000 events as `submitTasks` stores them, then takes
 * the heap after a full GC. No NATS and no I/O, so it measures the state alone; the restart
 * benchmark (`bench/restart.ts`) measures a whole dispatcher over a real log.
 *
 * Flags: --tasks=10000,100000,300000,1000000  --workers=100,1000,10000
 * Writes its figures to bench/results/memory.json for the picture (`bench/picture.ts`).
 */
import { evolveEntryInPlace, initialState } from '../domain/pool/index.ts';
import type { FleetEvent, LogEntry, PoolId, ProjectId, TaskId } from '../events/index.ts';
import { formatTable, num } from './dispatch/format-table.ts';
import { BASE_TIME } from './matching/knobs.ts';
import { validEvent } from './matching/valid-event.ts';
import { workload } from './matching/workload.ts';
import { writeResult } from './picture/index.ts';
import type { MemoryResult } from './picture/index.ts';

const flag = (name: string): string | undefined =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const sizes = (name: string, fallback: string): number[] =>
  (flag(name) ?? fallback).split(',').map(Number);
const TASKS = sizes('tasks', '10000,100000,300000,1000000');
const WORKERS = sizes('workers', '100,1000,10000');
const PER_ENTRY = 1_000;
const POOL = 'gpu' as PoolId;
const PROJECT = 'health-prod' as ProjectId;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  process.stderr.write('bench/memory needs --expose-gc (npm run bench:memory)\n');
  process.exit(2);
}
/** Heap in use after full collections. */
const heap = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

/** Folds `count` events made by `make` into a fresh state; the heap it holds, per event. */
const bytesPer = (count: number, make: (i: number, at: number) => FleetEvent) => {
  const state = initialState({ pool: POOL });
  const base = heap();
  let seq = 0;
  for (let from = 0; from < count; from += PER_ENTRY) {
    seq += 1;
    const at = BASE_TIME + seq;
    const events = Array.from({ length: Math.min(PER_ENTRY, count - from) }, (_, k) =>
      make(from + k, at),
    );
    const entry: LogEntry = { seq, at, events };
    evolveEntryInPlace(state, entry);
  }
  const held = heap() - base;
  // Keeps the state alive until measured.
  if (state.position !== seq) throw new Error('fold skipped entries');
  return held / count;
};

const submission = (i: number, at: number) =>
  validEvent(
    'task.submitted',
    {
      taskId: `t${i}` as TaskId,
      project: PROJECT,
      pool: POOL,
      requirements: { models: ['llama3-70b'] },
      payload: { n: i },
    },
    at,
  );
const w = workload();

const result: MemoryResult = {
  at: new Date().toISOString(),
  perTask: TASKS.map((n) => ({ n, bytes: bytesPer(n, submission) })),
  perWorker: WORKERS.map((n) => ({ n, bytes: bytesPer(n, (i, at) => w.enroll(i, at)) })),
};

console.log("Memory of a pool's dispatcher state (heap after full GC, in process, no I/O)");
console.log(
  formatTable(
    ['held', ...result.perTask.map((p) => `${num(p.n)} tasks`)],
    [['bytes per queued task', ...result.perTask.map((p) => num(p.bytes))]],
  ),
);
console.log(
  formatTable(
    ['held', ...result.perWorker.map((p) => `${num(p.n)} workers`)],
    [['bytes per enrolled worker', ...result.perWorker.map((p) => num(p.bytes))]],
  ),
);
console.log('goals: ≤ 512 B per queued task with its payload, ≤ 1,024 B per worker');
await writeResult('memory', result);
