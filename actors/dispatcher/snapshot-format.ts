import { randomInt } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import {
  AssignedTask,
  EndedTask,
  TaskTable,
  emptyRowIndex,
  fitsRows,
  indexRows,
} from '../../domain/pool/index.ts';
import type {
  Demand,
  DispatchState,
  QueuedColumns,
  TaskKey,
  TaskSpec,
  TaskState,
} from '../../domain/pool/index.ts';
import type { WorkerId } from '../../events/index.ts';

/**
 * A pool's state as a few columns rather than one JSON object per task: restoring a million
 * queued tasks reads one text of keys and one typed array per field, and builds no record for a
 * queued task until it is read (`TaskTable`): its payload stays JSON text until then.
 *
 * Layout: sections, each a 4-byte little-endian length then its bytes. Section 0 is JSON: the
 * state without its tasks, queues and ended index, plus the specs and section counts. Then:
 * task keys (UTF-8, joined by newlines: keys never hold one), status codes (u8), spec indexes
 * (u32), submission sequences (f64), attempts (u8), ended sequences of ended tasks (f64), the
 * queues' task indexes in their order (u32), the ended order (u32), the ended index's keys and
 * packed values (f64), where each task's payload starts in the next section (u32, one more
 * than the tasks: ended tasks have none), the live tasks' payloads as JSON texts, end to end,
 * and the index of the keys (i32 slots, `RowIndex` of domain/pool/task-table.ts, seeded at
 * random per snapshot: the seed is in section 0).
 */
const FORMAT = 'dispatch-columns/2';
const SECTIONS = 14;
const STATUSES = [
  'queued',
  'assigned',
  'completed',
  'failed',
  'cancelled',
  'dead_lettered',
  'timed_out',
] as const;

/** Section 0: everything but the columns. */
interface Head {
  readonly format: typeof FORMAT;
  readonly state: Omit<DispatchState, 'tasks' | 'queues' | 'specs' | 'endedOrder' | 'ended'>;
  /** Each spec; its demand too when it is not the state's demand of its signature. */
  readonly specs: [key: string, reqSig: string, priority: number, maxAttempts: number, Demand?][];
  /** project → signature → priority → how many task indexes, in the queue column's order. */
  readonly queues: Record<string, Record<string, Record<string, number>>>;
  /** [task index, worker, attempt, lease expiry, assigned sequence] of each assigned task. */
  readonly assigned: [number, string, number, number, number][];
  readonly tasks: number;
  /** Seed of the keys' index. */
  readonly seed: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A section: its length, then its bytes. */
const section = (bytes: Uint8Array): Uint8Array[] => {
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, bytes.byteLength, true);
  return [length, bytes];
};
const typed = (a: ArrayBufferView): Uint8Array =>
  new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Tasks encoded between two turns of the event loop. */
const TASKS_PER_TURN = 50_000;
/** Payload bytes a snapshot can hold (their offsets are u32). */
const MAX_PAYLOAD_BYTES = 2 ** 32 - 1;

/** The tasks in the table's order: each one's record, or its row in restored columns. */
const tasksNow = (
  tasks: DispatchState['tasks'],
): { columns: QueuedColumns | undefined; keys: string[]; items: (TaskState | number)[] } =>
  tasks instanceof TaskTable
    ? tasks.rowsNow()
    : { columns: undefined, keys: [...tasks.keys()], items: [...tasks.values()] };

/**
 * Payloads end to end: runs of restored rows copied as they are, the others' JSON texts
 * encoded a batch at a time.
 */
class PayloadWriter {
  #parts: Uint8Array[] = [];
  bytes = 0;
  #texts: string[] = [];
  #run: [from: number, to: number] | undefined;
  constructor(private readonly restored: Uint8Array | undefined) {}
  text(value: unknown): void {
    this.#endRun();
    // Payloads come from JSON: an absent one reads back as null, as before.
    const text = JSON.stringify(value ?? null);
    this.#texts.push(text);
    this.bytes += Buffer.byteLength(text);
  }
  copy(from: number, to: number): void {
    this.#endTexts();
    if (this.#run !== undefined && this.#run[1] === from) this.#run[1] = to;
    else {
      this.#endRun();
      this.#run = [from, to];
    }
    this.bytes += to - from;
  }
  /** All of them in one array: runs and batches alternate as often as rows and records do. */
  end(): Uint8Array {
    this.#endTexts();
    this.#endRun();
    const out = new Uint8Array(this.bytes);
    let at = 0;
    for (const part of this.#parts) {
      out.set(part, at);
      at += part.byteLength;
    }
    return out;
  }
  #endTexts(): void {
    if (this.#texts.length === 0) return;
    this.#parts.push(encoder.encode(this.#texts.join('')));
    this.#texts = [];
  }
  #endRun(): void {
    if (this.#run === undefined || this.restored === undefined) return;
    this.#parts.push(this.restored.subarray(this.#run[0], this.#run[1]));
    this.#run = undefined;
  }
}

/**
 * The state as byte parts, as it is at the call: what changes in place (workers, queues, the
 * ended index) is copied at once, and task records are never changed in place (a change
 * replaces them), nor are restored rows, so holding them is holding this instant. The columns
 * are then built a slice at a time between turns of the event loop, so the dispatcher keeps
 * serving meanwhile.
 */
export const encodeState = async (
  s: DispatchState,
  tasksPerTurn = TASKS_PER_TURN,
): Promise<Uint8Array[]> => {
  const { columns, keys, items } = tasksNow(s.tasks);
  const buckets: [string, string, string, TaskKey[]][] = [];
  for (const [project, byDemand] of Object.entries(s.queues))
    for (const [reqSig, queue] of Object.entries(byDemand))
      for (const [priority, bucket] of Object.entries(queue))
        buckets.push([project, reqSig, priority, bucket.slice()]);
  const endedOrder = s.endedOrder.slice();
  const ended = Object.entries(s.ended);
  const { tasks: _t, queues: _q, specs: _s, endedOrder: _o, ended: _e, ...rest } = s;
  const state = JSON.parse(JSON.stringify(rest)) as Head['state'];
  const n = keys.length;
  const specIndex = new Map<TaskSpec, number>();
  const specs: Head['specs'] = [];
  const add = (k: string, spec: TaskSpec): number => {
    specIndex.set(spec, specs.length);
    const row: Head['specs'][number] = [k, spec.reqSig, spec.priority, spec.maxAttempts];
    if (state.demands[spec.reqSig] === undefined) row.push(spec.demand);
    specs.push(row);
    return specs.length - 1;
  };
  for (const [k, spec] of Object.entries(s.specs)) add(k, spec);
  // From here on, nothing of `s` is read: the fold may move on.
  const index = new Map<string, number>();
  const status = new Uint8Array(n);
  const specOf = new Uint32Array(n);
  const submitted = new Float64Array(n);
  const attempts = new Uint8Array(n);
  const endedSeqs: number[] = [];
  const assigned: Head['assigned'] = [];
  const payloads = new PayloadWriter(columns?.payloads);
  const payloadAt = new Uint32Array(n + 1);
  // A spec not listed (never the case for the fold's own records) is kept all the same.
  const specNumber = (spec: TaskSpec) => specIndex.get(spec) ?? add(`:${specs.length}`, spec);
  for (let i = 0; i < n; i += 1) {
    if (i % tasksPerTurn === tasksPerTurn - 1) await nextTurn();
    const key = keys[i] as string;
    const t = items[i] as TaskState | number;
    index.set(key, i);
    if (typeof t === 'number') {
      // A restored row, still as it was restored: a queued task.
      const c = columns as QueuedColumns;
      specOf[i] = specNumber(c.specs[c.specOf[t] as number] as TaskSpec);
      submitted[i] = c.submitted[t] as number;
      attempts[i] = c.attempts[t] as number;
      payloads.copy(c.payloadAt[t] as number, c.payloadAt[t + 1] as number);
    } else {
      status[i] = STATUSES.indexOf(t.status);
      specOf[i] = specNumber(t.spec);
      submitted[i] = t.submittedSeq;
      attempts[i] = t.attempts;
      if (t instanceof EndedTask) endedSeqs.push(t.endedSeq);
      else payloads.text(t.payload);
      if (t instanceof AssignedTask)
        assigned.push([i, t.workerId, t.attempt, t.leaseExpiresAt, t.assignedSeq]);
    }
    if (payloads.bytes > MAX_PAYLOAD_BYTES)
      throw new RangeError(`the payloads are over ${MAX_PAYLOAD_BYTES} bytes`);
    payloadAt[i + 1] = payloads.bytes;
  }
  const queueCounts: Head['queues'] = {};
  const queued: number[] = [];
  for (const [project, reqSig, priority, bucket] of buckets) {
    ((queueCounts[project] ??= {})[reqSig] ??= {})[priority] = bucket.length;
    for (const k of bucket) queued.push(index.get(k) ?? n);
    await nextTurn();
  }
  // Seeded at random: task ids are the producers' choice, and they cannot read snapshots.
  const rowIndex = emptyRowIndex(n, randomInt(2 ** 32));
  for (let i = 0; i < n; i += tasksPerTurn) {
    indexRows(rowIndex, keys, i, Math.min(n, i + tasksPerTurn));
    await nextTurn();
  }
  const head: Head = {
    format: FORMAT,
    state,
    specs,
    queues: queueCounts,
    assigned,
    tasks: n,
    seed: rowIndex.seed,
  };
  return [
    ...section(encoder.encode(JSON.stringify(head))),
    ...section(encoder.encode(keys.join('\n'))),
    ...section(status),
    ...section(typed(specOf)),
    ...section(typed(submitted)),
    ...section(attempts),
    ...section(typed(Float64Array.from(endedSeqs))),
    ...section(typed(Uint32Array.from(queued))),
    ...section(typed(Uint32Array.from(endedOrder, (k) => index.get(k) ?? n))),
    ...section(encoder.encode(ended.map(([k]) => k).join('\n'))),
    ...section(typed(Float64Array.from(ended, ([, v]) => v))),
    ...section(typed(payloadAt)),
    ...section(payloads.end()),
    ...section(typed(rowIndex.slots)),
  ];
};

/** Thrown inside decoding only: the bytes are not a whole snapshot of this format. */
class Torn extends Error {
  override readonly name = 'Torn';
}

/** Reads the sections back; a torn or foreign value throws {@link Torn}. */
const sections = (bytes: Uint8Array): Uint8Array[] => {
  const out: Uint8Array[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at < bytes.byteLength;) {
    if (at + 4 > bytes.byteLength) throw new Torn('a section length is cut');
    const length = view.getUint32(at, true);
    if (at + 4 + length > bytes.byteLength) throw new Torn('a section is cut');
    // A copy: typed arrays need their own aligned buffer (a Buffer's slice would be a view).
    out.push(new Uint8Array(bytes.subarray(at + 4, at + 4 + length)));
    at += 4 + length;
  }
  return out;
};

const splitKeys = (bytes: Uint8Array): string[] =>
  bytes.byteLength === 0 ? [] : decoder.decode(bytes).split('\n');

/**
 * The state `encodeState` wrote, with the running configuration; undefined when the bytes are
 * not a whole, consistent snapshot of this format (it is then folded from the log instead).
 */
export const decodeState = (
  bytes: Uint8Array,
  config: DispatchState['config'],
): DispatchState | undefined => {
  try {
    return decodeChecked(bytes, config);
  } catch {
    return undefined;
  }
};

const at = <T>(xs: ArrayLike<T>, i: number): T => {
  if (i >= xs.length) throw new Torn(`index ${i} past ${xs.length}`);
  return xs[i] as T;
};

const decodeChecked = (bytes: Uint8Array, config: DispatchState['config']): DispatchState => {
  const parts = sections(bytes);
  const part = (i: number): Uint8Array => at(parts, i);
  const head = JSON.parse(decoder.decode(part(0))) as Omit<Head, 'format'> & { format: unknown };
  if (head.format !== FORMAT || head.state.config.pool !== config.pool)
    throw new Torn('another format or pool');
  if (parts.length !== SECTIONS) throw new Torn('sections are missing');
  const n = head.tasks;
  const keys = splitKeys(part(1)) as TaskKey[];
  const status = part(2);
  const specOf = new Uint32Array(part(3).buffer);
  const submitted = new Float64Array(part(4).buffer);
  const attempts = part(5);
  const endedSeqs = new Float64Array(part(6).buffer);
  const payloadAt = new Uint32Array(part(11).buffer);
  const payloads = part(12);
  if ([keys, status, specOf, submitted, attempts].some((c) => c.length !== n))
    throw new Torn('columns of unequal length');
  if (payloadAt.length !== n + 1 || payloadAt[0] !== 0 || payloadAt[n] !== payloads.length)
    throw new Torn('payload offsets do not span the payloads');
  const s: DispatchState = {
    ...head.state,
    config,
    tasks: new Map(),
    queues: {},
    specs: {},
    endedOrder: [],
    ended: {},
  };
  const specs = head.specs.map(([k, reqSig, priority, maxAttempts, own]) => {
    const demand = own ?? s.demands[reqSig];
    if (demand === undefined) throw new Torn(`no demand ${reqSig}`);
    return (s.specs[k] = { demand, reqSig, priority, maxAttempts });
  });
  const assigned = new Map(head.assigned.map((a) => [a[0], a]));
  const payload = (i: number): unknown =>
    JSON.parse(decoder.decode(payloads.subarray(payloadAt[i], payloadAt[i + 1])));
  // Queued tasks stay rows (checked here, built when read); the others get their record now.
  const records: [number, TaskState][] = [];
  let ended = 0;
  for (let i = 0; i < n; i += 1) {
    if ((specOf[i] as number) >= specs.length) throw new Torn(`task ${i} has no spec`);
    if ((payloadAt[i] as number) > (payloadAt[i + 1] as number))
      throw new Torn(`task ${i} has its payload out of order`);
    const code = status[i] as number;
    if (code === 0) continue;
    const key = keys[i] as TaskKey;
    const spec = at(specs, at(specOf, i));
    const seq = at(submitted, i);
    const kind = at(STATUSES, code);
    if (kind === 'assigned') {
      const a = assigned.get(i);
      if (a === undefined) throw new Torn(`task ${i} is assigned to no one`);
      records.push([
        i,
        new AssignedTask(key, spec, seq, payload(i), {
          workerId: a[1] as WorkerId,
          attempt: a[2],
          leaseExpiresAt: a[3],
          assignedSeq: a[4],
        }),
      ]);
    } else if (kind !== 'queued')
      records.push([
        i,
        new EndedTask(key, spec, seq, at(attempts, i), {
          status: kind,
          endedSeq: at(endedSeqs, ended++),
        }),
      ]);
  }
  const rowIndex = { seed: head.seed, slots: new Int32Array(part(13).buffer) };
  if (!fitsRows(rowIndex, n)) throw new Torn('the index of the keys does not fit them');
  s.tasks = TaskTable.restore(
    { keys, specs, specOf, submitted, attempts, payloads, payloadAt },
    records,
    rowIndex,
  );
  // Queues and the ended order hold the tasks' own key strings.
  const queued = new Uint32Array(part(7).buffer);
  let q = 0;
  for (const [project, byDemand] of Object.entries(head.queues)) {
    const p: DispatchState['queues'][string] = (s.queues[project] = {});
    for (const [reqSig, queue] of Object.entries(byDemand)) {
      const d: Record<string, TaskKey[]> = (p[reqSig] = {});
      for (const [priority, count] of Object.entries(queue)) {
        // Pushed, not preallocated: `new Array(n)` of a large n is a slow dictionary array.
        const bucket: TaskKey[] = (d[priority] = []);
        for (let j = 0; j < count; j += 1) bucket.push(at(keys, at(queued, q++)));
      }
    }
  }
  s.endedOrder = Array.from(new Uint32Array(part(8).buffer), (i) => at(keys, i));
  const endedKeys = splitKeys(part(9));
  const packed = new Float64Array(part(10).buffer);
  if (packed.length !== endedKeys.length) throw new Torn('ended index columns differ');
  endedKeys.forEach((k, i) => {
    s.ended[k] = at(packed, i);
  });
  return s;
};
