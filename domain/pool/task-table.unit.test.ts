import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PoolId, ProjectId } from '../../events/index.ts';
import { TaskTable, emptyRowIndex, fitsRows, indexRows } from './task-table.ts';
import type { QueuedColumns, RowIndex } from './task-table.ts';
import { EndedTask, QueuedTask } from './task-records.ts';
import type { TaskSpec } from './task-records.ts';
import type { TaskKey, TaskState } from './state.ts';

const spec = (priority: number): TaskSpec => ({
  demand: {
    project: 'p' as ProjectId,
    pool: 'gpu' as PoolId,
    requirements: { labels: [] },
    timeoutMs: 1000,
  },
  reqSig: 'sig',
  priority,
  maxAttempts: 3,
});
const SPECS = [spec(0), spec(5)];
const key = (i: number) => `p/t${i}` as TaskKey;
const encoder = new TextEncoder();

/** Rows of `n` queued tasks (payloads of any JSON, some not ASCII) and the records they stand for. */
const rows = (n: number): { columns: QueuedColumns; records: TaskState[] } => {
  const payloads = Array.from({ length: n }, (_, i) =>
    i % 3 === 0 ? { n: i, s: 'été ✓' } : i % 3 === 1 ? [i, null, true] : null,
  );
  const texts = payloads.map((p) => encoder.encode(JSON.stringify(p)));
  const payloadAt = new Uint32Array(n + 1);
  texts.forEach((t, i) => {
    payloadAt[i + 1] = (payloadAt[i] ?? 0) + t.length;
  });
  const bytes = new Uint8Array(payloadAt[n] ?? 0);
  texts.forEach((t, i) => bytes.set(t, payloadAt[i]));
  const columns: QueuedColumns = {
    keys: Array.from({ length: n }, (_, i) => key(i)),
    specs: SPECS,
    specOf: Uint32Array.from({ length: n }, (_, i) => i % 2),
    submitted: Float64Array.from({ length: n }, (_, i) => 10 + i),
    attempts: Uint8Array.from({ length: n }, (_, i) => i % 4),
    payloads: bytes,
    payloadAt,
  };
  const records = payloads.map(
    (p, i) => new QueuedTask(key(i), SPECS[i % 2] as TaskSpec, 10 + i, i % 4, p),
  );
  return { columns, records };
};

const indexed = (columns: QueuedColumns, seed: number): RowIndex => {
  const index = emptyRowIndex(columns.keys.length, seed);
  indexRows(index, columns.keys, 0, columns.keys.length);
  return index;
};

const ended = (i: number) =>
  new EndedTask(key(i), SPECS[0] as TaskSpec, i, 1, { status: 'completed', endedSeq: 99 });

/** What a Map shows of itself: entries in order, size, and each key's presence. */
const seen = (m: Map<string, TaskState>, probe: readonly string[]) => ({
  entries: [...m.entries()],
  keys: [...m.keys()],
  values: [...m.values()],
  each: (() => {
    const out: [string, TaskState][] = [];
    m.forEach((v, k) => out.push([k, v]));
    return out;
  })(),
  size: m.size,
  has: probe.map((k) => m.has(k)),
  get: probe.map((k) => m.get(k)),
});

const Op = fc.oneof(
  {
    arbitrary: fc.record({ op: fc.constant('set'), i: fc.nat(40), ended: fc.boolean() }),
    weight: 10,
  },
  { arbitrary: fc.record({ op: fc.constant('delete'), i: fc.nat(40) }), weight: 10 },
  { arbitrary: fc.record({ op: fc.constant('clear') }), weight: 1 },
);

describe('a task table restored from rows', () => {
  it('behaves as a Map of the records its rows stand for, through any sets and deletes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 30 }),
        fc.uniqueArray(fc.nat(29)),
        fc.array(Op, { maxLength: 60 }),
        fc.nat(2 ** 32 - 1),
        (n, recorded, ops, seed) => {
          const { columns, records } = rows(n);
          const given = recorded.filter((r) => r < n).map((r) => [r, ended(r)] as const);
          const table = TaskTable.restore(columns, given, indexed(columns, seed));
          const map = new Map<string, TaskState>(records.map((r) => [r.key, r]));
          for (const [r, t] of given) map.set(key(r), t);
          const probe = Array.from({ length: 42 }, (_, i) => key(i));
          expect(seen(table, probe)).toEqual(seen(map, probe));
          for (const o of ops) {
            if (o.op === 'set') {
              const t = o.ended ? ended(o.i) : new QueuedTask(key(o.i), spec(1), o.i, 2, { o });
              expect(table.set(key(o.i), t)).toBe(table);
              map.set(key(o.i), t);
            } else if (o.op === 'delete') expect(table.delete(key(o.i))).toBe(map.delete(key(o.i)));
            else {
              table.clear();
              map.clear();
            }
            expect(seen(table, probe)).toEqual(seen(map, probe));
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('builds a queued task’s record when it is read, equal to the one it was written from', () => {
    const { columns, records } = rows(5);
    const table = TaskTable.restore(columns, [], indexed(columns, 7));
    const t = table.get(key(3));
    expect(t).toBeInstanceOf(QueuedTask);
    expect(t).toEqual(records[3]);
    expect(t?.spec).toBe(SPECS[1]);
    // Read again, it is the same record (as a Map gives), not parsed twice.
    expect(table.get(key(3))).toBe(t);
    expect((table.get(key(0)) as QueuedTask).payload).toEqual({ n: 0, s: 'été ✓' });
    expect(table.get('p/t5')).toBeUndefined();
  });

  it('lets its rows go once most are gone, keeping the order and every entry', () => {
    const { columns, records } = rows(8);
    const table = TaskTable.restore(columns, [], indexed(columns, 7));
    table.set('p/new', ended(100));
    for (const i of [0, 1, 2, 3, 4, 5]) table.delete(key(i));
    // Six of eight rows are gone: the table is now a Map of its own entries.
    expect(table.rowsNow()).toEqual({
      columns: undefined,
      keys: [key(6), key(7), 'p/new'],
      items: [...records.slice(6), ended(100)],
    });
    expect([...table.keys()]).toEqual([key(6), key(7), 'p/new']);
    expect(table.size).toBe(3);
  });

  it('keeps its rows while they are iterated, so an iteration sees each entry once', () => {
    const { columns } = rows(8);
    const table = TaskTable.restore(columns, [], indexed(columns, 7));
    const keys: string[] = [];
    for (const [k] of table) {
      keys.push(k);
      table.delete(k);
    }
    expect(keys).toEqual(Array.from({ length: 8 }, (_, i) => key(i)));
    expect(table.size).toBe(0);
  });

  it('takes an index of its keys only if a search in it always ends', () => {
    const { columns } = rows(6);
    const good = indexed(columns, 3);
    expect(fitsRows(good, 6)).toBe(true);
    expect(fitsRows(emptyRowIndex(6, 3), 6)).toBe(false);
    const twice = { seed: 3, slots: good.slots.map((x) => (x === 2 ? 1 : x)) };
    expect(fitsRows(twice, 6)).toBe(false);
    expect(fitsRows({ seed: 3, slots: Int32Array.from([1, 2, 3, 4, 5, 6]) }, 6)).toBe(false);
    expect(fitsRows({ seed: 3, slots: new Int32Array(12) }, 6)).toBe(false);
    expect(fitsRows(good, 5)).toBe(false);
  });
});
