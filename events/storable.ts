import { decode, MAX_JSON_DEPTH, MAX_MESSAGE_BYTES } from './codec.ts';
import type { DecodeOptions } from './codec.ts';
import { EventSchemas, isEventType } from './fleet-event.ts';
import type { FleetEvent, FleetEventInput } from './fleet-event.ts';
import { err, ok } from './result.ts';
import type { Result } from './result.ts';

/**
 * Levels a batch message puts above each field of an event's `data`:
 * `{"batch": [ {"data": {"output": …}} ]}` — the message, the array, the event, `data`.
 */
export const BATCH_FIELD_DEPTH = 4;

/**
 * Deepest nesting of arrays and objects in an output that a stored report can hold, counting
 * the output itself as level 1 (a scalar output has none): the codec's limit less the levels
 * of the batch envelope around it.
 */
export const MAX_OUTPUT_DEPTH = MAX_JSON_DEPTH - BATCH_FIELD_DEPTH;

/** The largest message both the codec and a server with this max payload accept. */
export const messageLimit = (maxPayload: number | undefined): number =>
  Math.min(MAX_MESSAGE_BYTES, maxPayload ?? MAX_MESSAGE_BYTES);

const textEncoder = new TextEncoder();

interface Node {
  readonly value: unknown;
  readonly depth: number;
  /** The event field the value is in (`data.output`), for the reason. */
  readonly field: string;
  /** Depth of that field's own value. */
  readonly fieldDepth: number;
  readonly parent: Node | undefined;
}

const isPlainObject = (v: object): boolean => {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

/** What JSON cannot hold, named for a reason; undefined for a JSON scalar. */
const notJson = (v: unknown): string | undefined => {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(v) ? undefined : String(v);
    case 'object':
      if (v === null || Array.isArray(v) || isPlainObject(v)) return undefined;
      return `a ${(v as { constructor?: { name?: string } }).constructor?.name ?? 'non-plain'} object`;
    case 'undefined':
      return 'undefined';
    default:
      return `a ${typeof v}`;
  }
};

const holdsCycle = (n: Node): boolean => {
  const seen = new Set<unknown>();
  for (let at: Node | undefined = n; at !== undefined; at = at.parent) {
    if (seen.has(at.value)) return true;
    seen.add(at.value);
  }
  return false;
};

/**
 * Why `event` is not plain JSON that fits a batch, found without recursion and in bounded
 * time: a value JSON cannot hold (whatever `JSON.stringify` would drop or change), a
 * `__proto__` key, a cycle, nesting deeper than the codec reads at the event's place in a
 * batch, or more values than `maxBytes` could encode (each takes a byte at least).
 */
const plainJsonProblem = (event: unknown, maxBytes: number): string | undefined => {
  // The event is the third level of a batch: the message, the array, then the event.
  const stack: Node[] = [
    { value: event, depth: 3, field: 'the event', fieldDepth: 3, parent: undefined },
  ];
  let values = 0;
  for (let n = stack.pop(); n !== undefined; n = stack.pop()) {
    values += 1;
    if (values > maxBytes) return `the event holds more values than ${maxBytes} bytes can encode`;
    const v = n.value;
    const what = notJson(v);
    if (what !== undefined) return `${n.field} holds ${what}, which is not JSON`;
    if (typeof v !== 'object' || v === null) continue;
    if (n.depth > MAX_JSON_DEPTH) {
      if (holdsCycle(n)) return `${n.field} holds a cycle`;
      const levels = MAX_JSON_DEPTH - n.fieldDepth + 1;
      return `${n.field} is nested more than ${levels} levels deep, the most a stored report holds`;
    }
    const child = (key: string, value: unknown): Node => {
      // Fields are named down to `data.<field>`; deeper values keep their field's name.
      const named = n.depth < 5;
      const field = n.depth === 3 ? key : `${n.field}.${key}`;
      return named
        ? { value, depth: n.depth + 1, field, fieldDepth: n.depth + 1, parent: n }
        : { value, depth: n.depth + 1, field: n.field, fieldDepth: n.fieldDepth, parent: n };
    };
    if (Array.isArray(v)) {
      // Index by length, not by iterator: a hole is `undefined`, which JSON cannot hold.
      for (let i = 0; i < v.length; i += 1) stack.push(child(String(i), (v as unknown[])[i]));
    } else
      for (const [k, x] of Object.entries(v)) {
        if (k === '__proto__') return `${n.field} holds a "__proto__" key`;
        stack.push(child(k, x));
      }
  }
  return undefined;
};

/** `event` as a batch of one, its least favourable stored form, read back by the codec. */
const readBack = (
  subject: string,
  event: FleetEventInput,
  options: DecodeOptions & { readonly maxBytes: number },
): Result<FleetEvent, string> => {
  const bytes = textEncoder.encode(JSON.stringify({ batch: [event] }));
  if (bytes.byteLength > options.maxBytes)
    return err(
      `the report takes ${bytes.byteLength} bytes stored in a batch, over the ${options.maxBytes}-byte limit of a message`,
    );
  const decoded = decode(subject, bytes, options);
  if (!decoded.ok) return err(decoded.error.message.replace(/^batch\.0\./, ''));
  const [read] = decoded.value.events;
  return read === undefined ? err('nothing was read back') : ok(read);
};

/**
 * The single rule for what a writer may append: `event` as the codec will read it on
 * `subject`, or why it would be refused. The event is checked in its least favourable stored
 * form, a batch of one (deeper by one level and larger by the wrapper than alone), so whatever
 * passes stays readable in any batch that fits `maxBytes`. It is first walked in bounded time
 * for what `JSON.stringify` would drop, alter or choke on (cycles, bigints, `undefined`, NaN,
 * class instances), then its defaults are filled in (a report's usage counters take bytes
 * too), and it is encoded and read back by the codec: the event returned is the one to store,
 * and it is exactly what the log will read. Never throws.
 */
export const storable = (
  subject: string,
  event: FleetEventInput,
  options: DecodeOptions = {},
): Result<FleetEvent, string> => {
  const maxBytes = Math.min(options.maxBytes ?? MAX_MESSAGE_BYTES, MAX_MESSAGE_BYTES);
  try {
    const problem = plainJsonProblem(event, maxBytes);
    if (problem !== undefined) return err(problem);
    // Defaults filled in first, by the event's own schema: the stored form is what is measured.
    // Should the schema refuse, the codec says why in its own words.
    const filled = isEventType(event.type) ? EventSchemas[event.type].safeParse(event) : undefined;
    return readBack(subject, filled?.success ? filled.data : event, { ...options, maxBytes });
  } catch (cause) {
    // A getter or proxy that throws: the value cannot be read, so it cannot be stored.
    return err(
      `the event could not be read: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
  }
};
