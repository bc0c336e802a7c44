import fc from 'fast-check';
import { validEvent } from './fuzz-valid-event.ts';
import { BODIES, ODD_IDS, OVERSIZE, PROTO_KEYS, RAW_NUMBERS, WEIRD } from './fuzz-weird-values.ts';
import { at, TYPES } from './fuzz-world.ts';
import type { EventSpec } from './fuzz-world.ts';
import type { Mutation } from './fuzz-mutations.ts';
import { otherSubject, replaceToken } from './fuzz-subjects.ts';
import { getAt, nest, pathsOf, setAt } from './json-tree.ts';
import type { Json } from './json-tree.ts';

/** A stored message as a fold would receive it: a subject and its bytes. */
export interface FuzzMessage {
  readonly subject: string;
  readonly bytes: Uint8Array;
  /** What made it: the event type and the mutations applied, for counterexamples. */
  readonly label: string;
}

const DEEP_MARK = 'deep-mark-7f3a-';

const ID_FIELDS = ['workerId', 'taskId', 'keyId', 'project', 'pool'] as const;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Applies mutations in order: to the tree, then its text, then its bytes. */
export const mutate = (spec: EventSpec, mutations: readonly Mutation[]): FuzzMessage => {
  const base = validEvent(spec);
  let subject = base.subject;
  // validEvent builds fresh objects: the tree is ours to change.
  let tree = base.event as unknown as Json;
  let text: string | undefined;
  let bytes: Uint8Array | undefined;
  // Nesting deeper than JSON.stringify's own stack allows goes in as text, behind a marker.
  const deepTexts: string[] = [];
  const stringify = () =>
    deepTexts.reduce(
      (t, deep, i) => t.split(`"${DEEP_MARK}${i}"`).join(deep),
      JSON.stringify(tree),
    );
  const asText = () => (text ??= bytes === undefined ? stringify() : decoder.decode(bytes));
  const asBytes = () => (bytes ??= encoder.encode(asText()));
  const labels: string[] = [];
  // Over the size limit, whatever else happens (the same bytes, built once).
  let oversize = false;
  for (const m of mutations) {
    if (oversize) break;
    labels.push(m.op);
    const pathOf = (i: number) => {
      const paths = pathsOf(tree);
      return paths[i % paths.length] ?? [];
    };
    switch (m.op) {
      case 'set':
        if (text === undefined) tree = setAt(tree, pathOf(m.path), at(WEIRD, m.value)());
        break;
      case 'delete':
        if (text === undefined) tree = setAt(tree, pathOf(m.path), undefined);
        break;
      case 'addKey': {
        if (text !== undefined) break;
        const objects = pathsOf(tree).filter((p) => {
          const v = getAt(tree, p);
          return typeof v === 'object' && v !== null && !Array.isArray(v);
        });
        const target = objects[m.path % Math.max(1, objects.length)] ?? [];
        tree = setAt(tree, [...target, at(PROTO_KEYS, m.key)], at(WEIRD, m.value)());
        break;
      }
      case 'deep': {
        if (text !== undefined) break;
        const p = pathOf(m.path);
        if (m.depth <= 100) {
          tree = setAt(tree, p, nest(getAt(tree, p) ?? null, m.depth, m.asObject));
          break;
        }
        const [open, close] = m.asObject ? ['{"n":', '}'] : ['[', ']'];
        deepTexts.push(
          `${open.repeat(m.depth)}${JSON.stringify(getAt(tree, p) ?? null)}${close.repeat(m.depth)}`,
        );
        tree = setAt(tree, p, `${DEEP_MARK}${deepTexts.length - 1}`);
        break;
      }
      case 'id': {
        if (text !== undefined) break;
        const field = at(ID_FIELDS, m.field);
        const id = at(ODD_IDS, m.id);
        const data = getAt(tree, ['data']);
        if (typeof data !== 'object' || data === null || Array.isArray(data)) break;
        const old = data[field];
        if (typeof old !== 'string') break;
        setAt(tree, ['data', field], id);
        if (m.subject) subject = replaceToken(subject, old, id);
        break;
      }
      case 'json':
        if (text === undefined) tree = setAt(tree, pathOf(m.path), m.value);
        break;
      case 'batch':
        if (text === undefined)
          tree = {
            batch: [
              ...Array.from({ length: m.copies }, () => JSON.parse(JSON.stringify(tree)) as Json),
              ...(m.junk ? [at(WEIRD, m.copies)()] : []),
            ],
          };
        break;
      case 'batchShape': {
        if (text !== undefined) break;
        const shapes: (() => Json)[] = [
          () => ({ batch: [] }),
          () => ({ batch: tree }),
          () => ({ batch: [tree], extra: 1 }),
          () => ({ batch: Array.from({ length: 1_001 }, () => 0) }),
          () => ({ batch: [{ batch: [tree] }] }),
        ];
        tree = at(shapes, m.shape)();
        break;
      }
      case 'dupKey': {
        const t = asText();
        if (!t.startsWith('{') || !t.endsWith('}') || t.length < 2) break;
        const key = at(['type', 'data', 'meta', '__proto__', 'batch'], m.key);
        const value = JSON.stringify(
          at<Json>(
            [
              'task.completed',
              'key.used',
              { taskId: 't1' },
              { at: -1 },
              null,
              { polluted: true },
              [tree],
            ],
            m.value,
          ),
        );
        text = m.atEnd
          ? `${t.slice(0, -1)}${t.length > 2 ? ',' : ''}${JSON.stringify(key)}:${value}}`
          : `{${JSON.stringify(key)}:${value}${t.length > 2 ? ',' : ''}${t.slice(1)}`;
        bytes = undefined;
        break;
      }
      case 'rawNumber': {
        const t = asText();
        const numbers = [...t.matchAll(/(?<=[:[,])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g)];
        const hit = numbers[m.index % Math.max(1, numbers.length)];
        if (hit?.index === undefined) break;
        text = `${t.slice(0, hit.index)}${at(RAW_NUMBERS, m.literal)}${t.slice(hit.index + hit[0].length)}`;
        bytes = undefined;
        break;
      }
      case 'truncate': {
        const b = asBytes();
        bytes = b.slice(0, m.at % Math.max(1, b.length));
        text = undefined;
        break;
      }
      case 'flip': {
        const b = Uint8Array.from(asBytes());
        if (b.length === 0) break;
        for (const [i, v] of m.bytes) b[i % b.length] = v;
        bytes = b;
        text = undefined;
        break;
      }
      case 'badUtf8': {
        const b = asBytes();
        const i = m.at % (b.length + 1);
        const bad = at([[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80]], m.kind);
        const out = new Uint8Array(b.length + bad.length);
        out.set(b.subarray(0, i));
        out.set(bad, i);
        out.set(b.subarray(i), i + bad.length);
        bytes = out;
        text = undefined;
        break;
      }
      case 'body':
        // One body in BODIES.length + 1 is over the size limit.
        if (m.body % (BODIES.length + 1) === BODIES.length) {
          oversize = true;
        } else {
          text = at(BODIES, m.body);
          bytes = undefined;
        }
        break;
      case 'subject':
        subject = otherSubject(spec, m.kind, m.to);
        break;
    }
  }
  const out = oversize ? OVERSIZE : (bytes ?? encoder.encode(asText()));
  const label = `${at(TYPES, spec.type)}${labels.map((l) => `+${l}`).join('')}`;
  const message: FuzzMessage = { subject, bytes: out, label };
  // A counterexample reads as text, not as a list of byte values.
  Object.defineProperty(message, fc.toStringMethod, {
    value: () =>
      `${label} on ${JSON.stringify(subject)}: ${JSON.stringify(decoder.decode(out.subarray(0, 200)))}` +
      `${out.length > 200 ? '…' : ''} (${out.length} bytes)`,
  });
  return message;
};
