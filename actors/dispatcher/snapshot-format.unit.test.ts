import { describe, expect, it } from 'vitest';
import { ev, enrolled, log, P, POOL, submitted } from '../../test/support/builders.ts';
import type { PoolId } from '../../events/index.ts';
import {
  evolveEntries,
  evolveEntryInPlace,
  initialState,
  taskKey,
  TaskTable,
} from '../../domain/pool/index.ts';
import type { DispatchState } from '../../domain/pool/index.ts';
import { decodeState, encodeState } from './snapshot-format.ts';

const pool = POOL as PoolId;
const at = (taskId: string, workerId: string, attempt = 1) =>
  ev('task.assigned', {
    taskId,
    project: P.health,
    pool: POOL,
    workerId,
    attempt,
    leaseExpiresAt: 1_000,
  });
const done = (taskId: string, workerId: string) =>
  ev('task.completed', { taskId, project: P.health, pool: POOL, workerId, attempt: 1 });
const requeued = (taskId: string) =>
  ev('task.requeued', {
    taskId,
    project: P.health,
    pool: POOL,
    attempt: 1,
    reason: 'worker_left',
  });

/** Queued tasks of two kinds and priorities, one assigned, one requeued, ended ones in and out. */
const sample = (): DispatchState =>
  evolveEntries(
    initialState({ pool, endedTasksKept: 1 }),
    log([
      enrolled('w1', { capacity: 4 }),
      [submitted('t1'), submitted('t2', { payload: { deep: [1, 'two', null] } })],
      submitted('t3', { priority: 5, requirements: { models: ['llama'], labels: [] } }),
      submitted('t4', { payload: undefined }),
      at('t1', 'w1'),
      done('t1', 'w1'),
      at('t2', 'w1'),
      done('t2', 'w1'),
      at('t4', 'w1'),
      submitted('t5'),
      ev('worker.left', { workerId: 'w1', project: P.health, pool: POOL }),
      requeued('t4'),
      enrolled('w2'),
      at('t3', 'w2'),
    ]),
  );

describe('the dispatcher snapshot format', () => {
  it('reads back the state it wrote: records, queues in order, ended index, shared specs', async () => {
    const s = sample();
    expect(Object.keys(s.ended)).toEqual([taskKey(P.health, 't1')]);
    expect(s.queues[P.health]).toBeDefined();
    const back = decodeState(concat(await encodeState(s)), s.config);
    expect(back?.tasks).toBeInstanceOf(TaskTable);
    expect(asLive(back)).toEqual(s);
    expect([...(back?.tasks.keys() ?? [])]).toEqual([...s.tasks.keys()]);
    // A Buffer too, whose small slices are views of a shared pool.
    const fromBuffer = decodeState(Buffer.concat(await encodeState(s)), s.config);
    expect(asLive(fromBuffer)).toEqual(s);
    expect(back?.tasks.get(taskKey(P.health, 't4'))?.constructor).toBe(
      s.tasks.get(taskKey(P.health, 't4'))?.constructor,
    );
    const specs = new Set(Object.values(back?.specs ?? {}));
    for (const t of back?.tasks.values() ?? []) expect(specs.has(t.spec)).toBe(true);
  });

  it('reads back deadlines, a timed-out task kept and one in the ended index', async () => {
    const timedOut = (taskId: string) =>
      ev('task.timed_out', {
        taskId,
        project: P.health,
        pool: POOL,
        attempt: 0,
        deadline: 'schedule_to_start',
      });
    const s = evolveEntries(
      initialState({ pool, endedTasksKept: 1 }),
      log(
        [
          submitted('d1', { deadlines: { scheduleToStartMs: 10 } }),
          submitted('d2', { deadlines: { scheduleToStartMs: 10 } }),
          submitted('d3', { deadlines: { startToCloseMs: 500, deadlineAt: 90_000 } }),
          timedOut('d1'),
          timedOut('d2'),
        ],
        { at: (seq) => seq * 100 },
      ),
    );
    expect(s.ended[taskKey(P.health, 'd1')]).toBeDefined();
    expect(s.tasks.get(taskKey(P.health, 'd2'))?.status).toBe('timed_out');
    expect(Object.keys(s.deadlines)).toEqual([taskKey(P.health, 'd3')]);
    const back = decodeState(concat(await encodeState(s)), s.config);
    expect(asLive(back)).toEqual(s);
    expect(back?.tasks.get(taskKey(P.health, 'd2'))?.status).toBe('timed_out');
  });

  it('reads back an empty state and one of many tasks', async () => {
    const empty = initialState({ pool });
    expect(asLive(decodeState(concat(await encodeState(empty)), empty.config))).toEqual(empty);
    const many = evolveEntries(
      initialState({ pool }),
      log([Array.from({ length: 1000 }, (_, i) => submitted(`m${i}`, { payload: { n: i } }))]),
    );
    const back = decodeState(concat(await encodeState(many)), many.config);
    expect(asLive(back)).toEqual(many);
    expect([...(back?.tasks.keys() ?? [])]).toEqual([...many.tasks.keys()]);
    // Written again untouched, its rows are copied as they are: the same bytes (but for the
    // seed of the keys' index, drawn anew, and so the index).
    if (back === undefined) throw new Error('the tasks did not read back');
    const [x, y] = [concat(await encodeState(back)), concat(await encodeState(many))];
    const columns = (b: Uint8Array) => b.subarray(sectionEnd(b, 0), sectionEnd(b, 12));
    expect(columns(x)).toEqual(columns(y));
    const head = (b: Uint8Array) => ({
      ...(JSON.parse(new TextDecoder().decode(b.subarray(4, sectionEnd(b, 0)))) as object),
      seed: 0,
    });
    expect(head(x)).toEqual(head(y));
    // Rows and records alternating (every other task assigned, half of those done): the
    // payloads are written from rows and records both, in order.
    const enrolment = log([enrolled('w1', { capacity: 1000 })], { from: 2 });
    const churn = Array.from({ length: 500 }, (_, i) => `m${i * 2}`);
    const moves = log(
      [churn.map((id) => at(id, 'w1')), churn.slice(250).map((id) => done(id, 'w1'))],
      { from: 3 },
    );
    const live = evolveEntries(many, [...enrolment, ...moves]);
    for (const entry of [...enrolment, ...moves]) evolveEntryInPlace(back, entry);
    const again = decodeState(concat(await encodeState(back)), many.config);
    expect(asLive(again)).toEqual(live);
    expect([...(again?.tasks.keys() ?? [])]).toEqual([...live.tasks.keys()]);
  });

  it('holds the state as it was at the call, though the fold moves on while it is built', async () => {
    // A state of its own (the sample is frozen), as a restored dispatcher has it.
    const s = decodeState(concat(await encodeState(sample())), sample().config);
    if (s === undefined) throw new Error('the sample did not read back');
    const before = decodeState(concat(await encodeState(s)), s.config);
    // Two tasks a turn: the fold below runs while the columns are built.
    const pending = encodeState(s, 2);
    for (const entry of log([at('t5', 'w2'), submitted('t9'), done('t3', 'w2')], { from: 16 }))
      evolveEntryInPlace(s, entry);
    expect(s.tasks.get(taskKey(P.health, 't9'))).toBeDefined();
    expect(decodeState(concat(await pending), s.config)).toEqual(before);
  });

  it('never reads a torn value or another pool’s: it reads nothing instead', async () => {
    const s = sample();
    const bytes = concat(await encodeState(s));
    for (let cut = 0; cut < bytes.length; cut += 7)
      expect(decodeState(bytes.subarray(0, cut), s.config)).toBeUndefined();
    // Payloads are parsed when their task is read: a flipped byte in them is the KV digest's to
    // catch (log/chunked-values.ts); one in the head or the offsets is caught here.
    const flipped = bytes.slice();
    flipped[10] = 0xff;
    expect(decodeState(flipped, s.config)).toBeUndefined();
    // The last payload offset (section 11), and an index of the keys (13) naming a row twice.
    const offsets = bytes.slice();
    offsets.set([0xff, 0xff, 0xff, 0xff], sectionEnd(bytes, 11) - 4);
    expect(decodeState(offsets, s.config)).toBeUndefined();
    const index = bytes.slice();
    const slots = new Int32Array(index.slice(sectionEnd(bytes, 12) + 4).buffer);
    const [a, b] = [slots.findIndex((x) => x !== 0), slots.findLastIndex((x) => x !== 0)];
    new DataView(index.buffer).setInt32(sectionEnd(bytes, 12) + 4 + a * 4, slots[b] ?? 0, true);
    expect(decodeState(index, s.config)).toBeUndefined();
    expect(decodeState(bytes, { ...s.config, pool: 'other' as PoolId })).toBeUndefined();
  });
});

/** The restored state with its tasks as a plain Map, to compare with one built live. */
const asLive = (s: DispatchState | undefined) =>
  s === undefined ? undefined : { ...s, tasks: new Map(s.tasks) };

/** Where section `i` of encoded bytes ends. */
const sectionEnd = (bytes: Uint8Array, i: number): number => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  for (let k = 0; k <= i; k += 1) at += 4 + view.getUint32(at, true);
  return at;
};

const concat = (parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
