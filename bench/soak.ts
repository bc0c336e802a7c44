/**
 * Soak of a pool's dispatcher state under endless load (`npm run bench:soak`, or
 * `node --expose-gc --import tsx bench/soak.ts`): a million tasks submitted, assigned and
 * completed, a thousand per second of stream time, folded by the same `evolve` the dispatcher
 * folds the log with; the heap after a full GC sampled as tasks end. With ended tasks forgotten
 * after a while of stream time (domain/pool/forget-ended.ts) it stays flat; with a setting no
 * history reaches (a hundred years), it grows with every ended task, for comparison.
 *
 * In process and pure, as bench/memory.ts: no NATS and no I/O, so it measures the state alone.
 *
 * Flags: --tasks=1000000  --every=100000 (a sample each that many ended tasks)
 *        --forget-after=60000 (ms of stream time)  --rate=1000 (tasks per second of stream time)
 */
import { evolveEntryInPlace, initialState } from '../domain/pool/index.ts';
import type { DispatchState } from '../domain/pool/index.ts';
import type { EventOf, LogEntry, PoolId, ProjectId, TaskId, WorkerId } from '../events/index.ts';
import { formatTable, num } from './dispatch/format-table.ts';
import { BASE_TIME } from './matching/knobs.ts';
import { validEvent } from './matching/valid-event.ts';

const flag = (name: string, fallback: number): number => {
  const v = process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  return v === undefined ? fallback : Number(v);
};
const TASKS = flag('tasks', 1_000_000);
const EVERY = flag('every', 100_000);
const FORGET_AFTER_MS = flag('forget-after', 60_000);
const RATE = flag('rate', 1_000);
/** Tasks per round: one message of submissions, one of assignments, one of reports. */
const ROUND = 1_000;
const POOL = 'gpu' as PoolId;
const PROJECT = 'health-prod' as ProjectId;
const WORKER = 'w1' as WorkerId;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  process.stderr.write('bench/soak needs --expose-gc (npm run bench:soak)\n');
  process.exit(2);
}
const heap = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

// One valid event of each kind, parsed by the contract once; each task's is a copy with its id.
const submitted = validEvent('task.submitted', {
  taskId: 't0',
  project: PROJECT,
  pool: POOL,
  requirements: { models: ['llama3-70b'] },
  payload: { n: 0 },
});
const assigned = validEvent('task.assigned', {
  taskId: 't0',
  project: PROJECT,
  pool: POOL,
  workerId: WORKER,
  attempt: 1,
  leaseExpiresAt: BASE_TIME + 10 ** 12,
});
const completed = validEvent('task.completed', {
  taskId: 't0',
  project: PROJECT,
  pool: POOL,
  workerId: WORKER,
  attempt: 1,
});
const withId = <E extends EventOf<'task.submitted' | 'task.assigned' | 'task.completed'>>(
  e: E,
  i: number,
): E => ({ ...e, data: { ...e.data, taskId: `t${i}` as TaskId } });

interface Sample {
  ended: number;
  heapMb: number;
  known: number;
}

/** Folds TASKS whole task lives into a fresh state; the heap it holds as tasks end. */
const soak = (forgetEndedAfterMs: number): Sample[] => {
  const base = heap();
  const s: DispatchState = initialState({ pool: POOL, forgetEndedAfterMs });
  let seq = 0;
  const fold = (events: LogEntry & { events: unknown }) => evolveEntryInPlace(s, events);
  fold({
    seq: ++seq,
    at: BASE_TIME,
    events: [
      validEvent('worker.enrolled', {
        workerId: WORKER,
        project: PROJECT,
        pool: POOL,
        keyId: 'k1',
        models: ['llama3-70b'],
        capacity: ROUND,
      }),
    ],
  });
  const samples: Sample[] = [];
  for (let from = 0; from < TASKS; from += ROUND) {
    const at = BASE_TIME + Math.floor((from / RATE) * 1000);
    const ids = Array.from({ length: Math.min(ROUND, TASKS - from) }, (_, k) => from + k);
    for (const e of [submitted, assigned, completed]) {
      const verdicts = fold({ seq: ++seq, at, events: ids.map((i) => withId(e, i)) });
      if (verdicts.some((v) => v.kind === 'refused')) throw new Error(`refused: ${e.type}`);
    }
    const ended = from + ids.length;
    if (ended % EVERY === 0 || ended === TASKS)
      samples.push({
        ended,
        heapMb: (heap() - base) / 2 ** 20,
        known: s.tasks.size + Object.keys(s.ended).length,
      });
  }
  return samples;
};

const forgetting = soak(FORGET_AFTER_MS);
const keeping = soak(100 * 365 * 86_400_000);

console.log(
  `Soak: ${num(TASKS)} tasks submitted, assigned and completed, ${num(RATE)} a second of ` +
    `stream time; heap after full GC held by the pool's state (in process, no I/O)`,
);
console.log(
  formatTable(
    [
      'ended tasks',
      `heap MB, forgotten after ${num(FORGET_AFTER_MS / 1000)} s`,
      'ended tasks known',
      'heap MB, never forgotten',
      'ended tasks known',
    ],
    forgetting.map((f, i) => {
      const k = keeping[i];
      return [
        num(f.ended),
        f.heapMb.toFixed(1),
        num(f.known),
        k === undefined ? '' : k.heapMb.toFixed(1),
        k === undefined ? '' : num(k.known),
      ];
    }),
  ),
);
const steady = forgetting.slice(Math.ceil(forgetting.length / 2)).map((f) => f.heapMb);
const spread = Math.max(...steady) - Math.min(...steady);
console.log(
  `forgetting: ${spread.toFixed(1)} MB between the highest and lowest of the second half's ` +
    `samples; never forgetting: ${((keeping.at(-1)?.heapMb ?? 0) - (keeping[0]?.heapMb ?? 0)).toFixed(1)} MB ` +
    `grown from the first sample to the last`,
);
