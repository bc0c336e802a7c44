import type { TaskKey, TaskState } from './state.ts';
import { QueuedTask } from './task-records.ts';
import type { TaskSpec } from './task-records.ts';

/**
 * Queued tasks as columns, one row each (what a snapshot restores): a record is built only
 * when one is read. Rows hold every task of the snapshot, in its order; a row that is not a
 * queued task has its record in the table from the start.
 */
export interface QueuedColumns {
  readonly keys: readonly TaskKey[];
  readonly specs: readonly TaskSpec[];
  /** Index in `specs` of each row's spec. */
  readonly specOf: Uint32Array;
  readonly submitted: Float64Array;
  readonly attempts: Uint8Array;
  /** The rows' payloads as UTF-8 JSON texts, end to end: row `i`'s from `payloadAt[i]` to `payloadAt[i + 1]`. */
  readonly payloads: Uint8Array;
  readonly payloadAt: Uint32Array;
}

/** Where a row's task is: still only its row, its record in the Map, or gone. */
const ROW = { cold: 0, record: 1, gone: 2 } as const;

const decoder = new TextDecoder();
/** Records of cold rows kept once read. */
const RECENT = 1024;

/**
 * FNV-1a over the UTF-16 code units from a seeded start, then Murmur3's finaliser (so the low
 * bits, the slot, depend on every bit): the row index of the columns' keys. Task ids are the
 * producers' choice: with a seed they cannot know, they cannot choose ids that collide.
 */
const hashOf = (key: string, seed: number): number => {
  let h = seed ^ 0x811c9dc5;
  for (let j = 0; j < key.length; j += 1) h = Math.imul(h ^ key.charCodeAt(j), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
};

/**
 * The index of a table's rows by key: open addressing over row numbers + 1 (0: empty), at most
 * half full, hashed with `seed`. A snapshot writes it (built a slice at a time, between turns),
 * so a restore does not hash a million keys.
 */
export interface RowIndex {
  readonly seed: number;
  readonly slots: Int32Array;
}

/** An empty index for `rows` rows. */
export const emptyRowIndex = (rows: number, seed: number): RowIndex => {
  let size = 2;
  while (size < rows * 2) size *= 2;
  return { seed, slots: new Int32Array(size) };
};

/** Indexes rows `from` to `to` of `keys` (each once). */
export const indexRows = (index: RowIndex, keys: readonly string[], from: number, to: number) => {
  const { seed, slots } = index;
  const mask = slots.length - 1;
  for (let row = from; row < to; row += 1) {
    let slot = hashOf(keys[row] as string, seed) & mask;
    while (slots[slot] !== 0) slot = (slot + 1) & mask;
    slots[slot] = row + 1;
  }
};

/**
 * Whether `index` may index `rows` rows: a power of two of at least twice as many slots, each
 * row once, so a search always ends on an empty slot.
 */
export const fitsRows = (index: RowIndex, rows: number): boolean => {
  const { slots } = index;
  if (slots.length < Math.max(2, rows * 2) || (slots.length & (slots.length - 1)) !== 0)
    return false;
  const seen = new Uint8Array(rows);
  for (const entry of slots) {
    if (entry === 0) continue;
    if (entry < 0 || entry > rows || seen[entry - 1] === 1) return false;
    seen[entry - 1] = 1;
  }
  return seen.every((x) => x === 1);
};

/**
 * A pool's tasks after a restore: a Map in every respect (order of insertion included), whose
 * queued tasks stay in the restored columns until they are read or replaced. Restoring a
 * million queued tasks then builds no million records nor a million Map entries: the columns
 * are typed arrays and one string of keys, indexed by a table of row numbers. A task read from
 * its row is built then (the last {@link RECENT} read are kept); one that is set or deleted
 * leaves its row for the Map's own storage. Once three quarters of the rows are gone, the rest
 * move to the Map and the columns are let go. `structuredClone` and `util.inspect` see the
 * Map's own storage only: copy a table through its iterator (`new Map(table)`).
 *
 * Live-built states keep a plain Map: this is the restore's representation only.
 */
export class TaskTable extends Map<string, TaskState> {
  #columns: QueuedColumns | undefined;
  #index: Int32Array = new Int32Array(0);
  #seed = 0;
  /** Per row: {@link ROW}. */
  #rows: Uint8Array = new Uint8Array(0);
  /** Rows still only rows. */
  #cold = 0;
  /** Iterations under way: the columns are not let go under them. */
  #reading = 0;
  /**
   * Records of cold rows read lately, so the queue heads a round of claims reads again and again
   * have their payload parsed once (and one identity, as in a Map).
   */
  #recent = new Map<number, TaskState>();

  /**
   * The table of `columns`, with the records of the rows that are not queued tasks (or whose
   * record the caller built): each keeps its row's place in the order. `index` indexes the
   * rows' keys (`fitsRows` of it holds); its seed (random: what the table holds never depends
   * on it) is kept for the lookups.
   */
  static restore(
    columns: QueuedColumns,
    records: Iterable<readonly [row: number, record: TaskState]>,
    index: RowIndex,
  ): TaskTable {
    const t = new TaskTable();
    const n = columns.keys.length;
    t.#columns = columns;
    t.#seed = index.seed;
    t.#index = index.slots;
    t.#rows = new Uint8Array(n);
    t.#cold = n;
    for (const [row, record] of records) {
      if (t.#rows[row] !== ROW.cold) continue;
      t.#rows[row] = ROW.record;
      t.#cold -= 1;
      Map.prototype.set.call(t, columns.keys[row] as string, record);
    }
    t.#compactIfSparse();
    return t;
  }

  /** The row of `key` in the columns, or -1. */
  #rowOf(key: string): number {
    const columns = this.#columns;
    if (columns === undefined) return -1;
    const mask = this.#index.length - 1;
    for (let slot = hashOf(key, this.#seed) & mask; ; slot = (slot + 1) & mask) {
      const entry = this.#index[slot] as number;
      if (entry === 0) return -1;
      if (columns.keys[entry - 1] === key) return entry - 1;
    }
  }

  /** The record of a cold row, kept among the recent ones. */
  #read(row: number): TaskState {
    const kept = this.#recent.get(row);
    if (kept !== undefined) return kept;
    const record = this.#record(row);
    this.#recent.set(row, record);
    if (this.#recent.size > RECENT) this.#recent.delete(this.#recent.keys().next().value ?? row);
    return record;
  }

  /** The record of a cold row: a recent one, or built now. */
  #record(row: number): TaskState {
    const kept = this.#recent.get(row);
    if (kept !== undefined) return kept;
    const c = this.#columns as QueuedColumns;
    const text = c.payloads.subarray(c.payloadAt[row], c.payloadAt[row + 1]);
    return new QueuedTask(
      c.keys[row] as TaskKey,
      c.specs[c.specOf[row] as number] as TaskSpec,
      c.submitted[row] as number,
      c.attempts[row] as number,
      JSON.parse(decoder.decode(text)) as unknown,
    );
  }

  /** The cold row of `key`, or -1. */
  #coldRow(key: string): number {
    const row = this.#rowOf(key);
    return row >= 0 && this.#rows[row] === ROW.cold ? row : -1;
  }

  override get size(): number {
    // The Map's storage holds the rows' records and the keys set since: each once.
    return this.#cold + super.size;
  }

  override has(key: string): boolean {
    return super.has(key) || this.#coldRow(key) >= 0;
  }

  override get(key: string): TaskState | undefined {
    const own = super.get(key);
    if (own !== undefined || this.#columns === undefined) return own;
    const row = this.#coldRow(key);
    return row < 0 ? undefined : this.#read(row);
  }

  override set(key: string, value: TaskState): this {
    const row = this.#rowOf(key);
    // A row's task keeps its place; a key that left and comes back goes last, as in a Map.
    if (row >= 0 && this.#rows[row] === ROW.cold) {
      this.#rows[row] = ROW.record;
      this.#cold -= 1;
      this.#recent.delete(row);
    }
    super.set(key, value);
    this.#compactIfSparse();
    return this;
  }

  override delete(key: string): boolean {
    const row = this.#rowOf(key);
    const state = row < 0 ? undefined : this.#rows[row];
    if (state === ROW.cold || state === ROW.record) {
      this.#rows[row] = ROW.gone;
      this.#recent.delete(row);
      if (state === ROW.cold) this.#cold -= 1;
      super.delete(key);
      this.#compactIfSparse();
      return true;
    }
    return super.delete(key);
  }

  override clear(): void {
    this.#drop();
    super.clear();
  }

  override *entries(): MapIterator<[string, TaskState]> {
    this.#reading += 1;
    try {
      const columns = this.#columns;
      if (columns !== undefined)
        for (let row = 0; row < this.#rows.length; row += 1) {
          const key = columns.keys[row] as string;
          if (this.#rows[row] === ROW.cold) yield [key, this.#record(row)];
          else if (this.#rows[row] === ROW.record) yield [key, super.get(key) as TaskState];
        }
      // Then the keys set since the restore, in their order (those of rows are listed above).
      for (const entry of super.entries())
        if (this.#rows[this.#rowOf(entry[0])] !== ROW.record) yield entry;
    } finally {
      this.#reading -= 1;
    }
  }

  override [Symbol.iterator](): MapIterator<[string, TaskState]> {
    return this.entries();
  }

  override *keys(): MapIterator<string> {
    for (const [k] of this.entries()) yield k;
  }

  override *values(): MapIterator<TaskState> {
    for (const [, v] of this.entries()) yield v;
  }

  override forEach(
    f: (value: TaskState, key: string, map: Map<string, TaskState>) => void,
    thisArg?: unknown,
  ): void {
    for (const [k, v] of this.entries()) f.call(thisArg, v, k, this);
  }

  /**
   * What a snapshot writes, as it is at the call: in the table's order, each task's key and
   * either its record or its row in `columns` (rows never change: holding them is holding now).
   */
  rowsNow(): { columns: QueuedColumns | undefined; keys: string[]; items: (TaskState | number)[] } {
    const keys: string[] = [];
    const items: (TaskState | number)[] = [];
    const columns = this.#columns;
    if (columns !== undefined)
      for (let row = 0; row < this.#rows.length; row += 1) {
        const key = columns.keys[row] as string;
        if (this.#rows[row] === ROW.gone) continue;
        keys.push(key);
        items.push(this.#rows[row] === ROW.cold ? row : (super.get(key) as TaskState));
      }
    for (const [k, v] of super.entries())
      if (this.#rows[this.#rowOf(k)] !== ROW.record) {
        keys.push(k);
        items.push(v);
      }
    return { columns, keys, items };
  }

  /**
   * Once few rows are left, they become records and the columns go (keeping the order); not
   * under an iteration, which would then see the Map's storage cleared and filled again.
   */
  #compactIfSparse(): void {
    if (this.#columns === undefined || this.#cold * 4 > this.#rows.length || this.#reading > 0)
      return;
    const entries = [...this.entries()];
    this.#drop();
    super.clear();
    for (const [k, v] of entries) super.set(k, v);
  }

  #drop(): void {
    this.#columns = undefined;
    this.#index = new Int32Array(0);
    this.#rows = new Uint8Array(0);
    this.#cold = 0;
    this.#recent.clear();
  }
}
