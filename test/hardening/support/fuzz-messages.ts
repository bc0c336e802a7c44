import fc from 'fast-check';
import { MAX_MESSAGE_BYTES, subjects } from '../../../events/index.ts';
import type {
  EventType,
  FleetEventInput,
  KeyId,
  PoolId,
  ProjectId,
  WorkerId,
} from '../../../events/index.ts';

/** A stored message as a fold would receive it: a subject and its bytes. */
export interface FuzzMessage {
  readonly subject: string;
  readonly bytes: Uint8Array;
  /** What made it: the event type and the mutations applied, for counterexamples. */
  readonly label: string;
}

/*
 * A small world, so that generated events meet each other often: two projects, the folded pool
 * and another, a few workers, tasks and keys.
 */
const S = subjects();
const PROJECTS = ['health-prod', 'fin-prod'] as const;
const POOLS = ['gpu', 'gpu', 'gpu', 'cpu'] as const;
const WORKERS = ['w1', 'w2', 'w3'] as const;
const TASKS = ['t1', 't2', 't3', 't4', 't5', 't6'] as const;
const KEYS = ['k1', 'k2'] as const;
const MODELS = ['llama', 'mistral'] as const;
const TYPES: readonly EventType[] = [
  'task.submitted',
  'task.submitted',
  'task.submitted',
  'task.cancelled',
  'task.assigned',
  'task.requeued',
  'task.dead_lettered',
  'task.completed',
  'task.completed',
  'task.failed',
  'worker.enrolled',
  'worker.enrolled',
  'worker.draining',
  'worker.left',
  'worker.lost',
  'worker.revoked',
  'claim.rejected',
  'key.issued',
  'key.used',
  'key.revoked',
  'retention.point',
];
const REQUEUE_REASONS = ['lease_expired', 'worker_lost', 'worker_revoked', 'worker_left'] as const;
const T0 = 1_700_000_000_000;

const at = <T>(xs: readonly T[], i: number): T => xs[i % xs.length] as T;

/** Picks that make one valid event and its subject. */
interface EventSpec {
  readonly type: number;
  readonly project: number;
  readonly pool: number;
  readonly worker: number;
  readonly task: number;
  readonly key: number;
  readonly attempt: number;
  readonly n: number;
}

const eventSpecArb: fc.Arbitrary<EventSpec> = fc.record({
  type: fc.nat(TYPES.length - 1),
  project: fc.nat(7),
  pool: fc.nat(POOLS.length - 1),
  worker: fc.nat(WORKERS.length - 1),
  task: fc.nat(TASKS.length - 1),
  key: fc.nat(KEYS.length - 1),
  attempt: fc.integer({ min: 1, max: 3 }),
  n: fc.nat(1_000),
});

/** A valid event and the subject it belongs on, as JSON-ready plain data. */
const validEvent = (x: EventSpec): { subject: string; event: FleetEventInput } => {
  const type = at(TYPES, x.type);
  // Mostly health-prod, so that tasks and workers of one project meet.
  const project = x.project < 6 ? PROJECTS[0] : PROJECTS[1];
  const pool = at(POOLS, x.pool);
  const workerId = at(WORKERS, x.worker);
  const taskId = at(TASKS, x.task);
  const keyId = at(KEYS, x.key);
  const meta = { at: T0 + x.n };
  const task = { taskId, project, pool };
  const worker = { workerId, project, pool };
  // Built on demand: only the one the event travels on.
  const p = project as ProjectId;
  const pl = pool as PoolId;
  const w = workerId as WorkerId;
  const s = {
    get submit() {
      return S.submit(p, pl);
    },
    get cancel() {
      return S.cancel(p, pl);
    },
    get dispatch() {
      return S.dispatch(p, pl);
    },
    get rejected() {
      return S.rejected(p, pl);
    },
    get report() {
      return S.report(p, pl, w);
    },
    get member() {
      return S.member(p, pl, w);
    },
    get key() {
      return S.key(p, keyId as KeyId);
    },
  };
  const retention = S.retention();
  const model = at(MODELS, x.n);
  switch (type) {
    case 'task.submitted':
      return {
        subject: s.submit,
        event: {
          type,
          data: {
            ...task,
            requirements: { models: [model] },
            priority: (x.n % 3) - 1,
            maxAttempts: 1 + (x.n % 3),
            timeoutMs: 1_000 + x.n,
            payload: { n: x.n, text: 'é✓' },
          },
          meta,
        },
      };
    case 'task.cancelled':
      return { subject: s.cancel, event: { type, data: { ...task, reason: 'fuzz' }, meta } };
    case 'task.assigned':
      return {
        subject: s.dispatch,
        event: {
          type,
          data: { ...task, workerId, attempt: x.attempt, leaseExpiresAt: T0 + x.n * 10 },
          meta,
        },
      };
    case 'task.requeued':
    case 'task.dead_lettered':
      return {
        subject: s.dispatch,
        event: {
          type,
          data: { ...task, attempt: x.attempt, reason: at(REQUEUE_REASONS, x.n) },
          meta,
        },
      };
    case 'task.completed':
      return {
        subject: s.report,
        event: {
          type,
          data: { ...task, workerId, attempt: x.attempt, output: { ok: x.n } },
          meta,
        },
      };
    case 'task.failed':
      return {
        subject: s.report,
        event: {
          type,
          data: {
            ...task,
            workerId,
            attempt: x.attempt,
            error: { message: 'boom' },
            retryable: x.n % 2 === 0,
          },
          meta,
        },
      };
    case 'worker.enrolled':
      return {
        subject: s.member,
        event: {
          type,
          data: {
            ...worker,
            keyId,
            models: x.n % 5 === 0 ? [...MODELS] : [model],
            capacity: 1 + (x.n % 2),
            labels: { zone: x.n % 2 === 0 ? 'eu' : 'us' },
          },
          meta,
        },
      };
    case 'worker.draining':
    case 'worker.left':
      return { subject: s.report, event: { type, data: worker, meta } };
    case 'worker.lost':
      return { subject: s.dispatch, event: { type, data: { ...worker, lastSeenAt: T0 }, meta } };
    case 'worker.revoked':
      return { subject: s.member, event: { type, data: worker, meta } };
    case 'claim.rejected':
      return {
        subject: s.rejected,
        event: { type, data: { ...worker, reason: 'unknown_worker' }, meta },
      };
    case 'key.issued':
      return {
        subject: s.key,
        event: {
          type,
          data: {
            keyId,
            project,
            pool,
            maxUses: 1 + (x.n % 3),
            expiresAt: T0 + 1e9,
            secretHash: 'ab'.repeat(32),
          },
          meta,
        },
      };
    case 'key.used':
      return {
        subject: s.key,
        event: { type, data: { keyId, project, workerId, use: x.attempt }, meta },
      };
    case 'key.revoked':
      return { subject: s.key, event: { type, data: { keyId, project }, meta } };
    case 'retention.point': {
      // Signed by nobody: the folds must still take it in their stride.
      const data = { stream: 'FLEET', firstSeq: 1 + x.n, reason: 'fuzz', at: T0 };
      const signature = 'A'.repeat(86);
      return {
        subject: retention,
        event: { type, data: { ...data, operator: `O${'A'.repeat(55)}`, signature }, meta },
      };
    }
  }
};

// ---------------------------------------------------------------------------------------------
// Mutations.
// ---------------------------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const parsedProto = (): Json => JSON.parse('{"__proto__":{"polluted":true},"x":1}') as Json;

/** Values that break types and limits: huge numbers, NaN-ish text, unicode, odd shapes. */
const WEIRD: readonly (() => Json)[] = [
  () => null,
  () => true,
  () => 0,
  () => -1,
  () => -0,
  () => 1.5,
  () => 1e308,
  () => -1e308,
  () => 2 ** 53 + 2,
  () => 2 ** 31,
  () => 'NaN',
  () => 'Infinity',
  () => '-Infinity',
  () => '1e999',
  () => '0x1f',
  () => ' 1',
  () => '',
  () => '\u0000',
  () => '\ud800',
  () => '💥🔥',
  () => '\u202eevil',
  () => 'ﬀ',
  () => 'a'.repeat(5_000),
  () => [],
  () => ({}),
  () => [[[]]],
  () => parsedProto(),
  () => ({ constructor: { prototype: { polluted: true } } }),
  () => 'constructor',
  () => 'toString',
  () => '__proto__',
];
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];
/** Ids that are subject tokens but also names Object.prototype answers to, and worse. */
const ODD_IDS = [
  'constructor',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__proto__',
  'prototype',
  '',
  'a.b',
  '*',
  '>',
  'x'.repeat(65),
  'é',
  'W1',
];
const RAW_NUMBERS = [
  '1e400',
  '-1e400',
  '1e-400',
  '123456789012345678901234567890',
  '-0',
  '0.1e1',
  '9007199254740993',
  '1.0',
];
const BODIES = [
  '',
  ' ',
  'null',
  '[]',
  '"x"',
  '1',
  'true',
  '{}',
  '\uFEFF{}',
  '{"type":"task.submitted"}',
  '{"batch":[]}',
  '{"batch":{}}',
];
const OVERSIZE = new TextEncoder().encode(`"${'x'.repeat(MAX_MESSAGE_BYTES)}"`);
const GARBAGE_SUBJECTS = [
  '',
  '.',
  'fleet',
  'fleet.',
  'fleet..gpu.submit',
  'other.health-prod.gpu.submit',
  'fleet_rpc.health-prod.gpu.w1.claim',
  'fleet.health-prod.gpu',
  'fleet.health-prod.gpu.submit.extra',
  'fleet.health-prod.gpu.junk',
  'fleet.Health.gpu.submit',
  'fleet.health-prod._keys',
  'fleet.health-prod._keys.k1.extra',
  'fleet.health-prod.gpu.worker.w1',
  'fleet.health-prod.gpu.member',
  'fleet.*.gpu.submit',
  'fleet.>.gpu.submit',
  `fleet.${'p'.repeat(200)}.gpu.submit`,
  'fleet.héalth.gpu.submit',
  'fleet.constructor.gpu.submit',
  'fleet.health-prod.gpu.worker.constructor.report',
  'fleet.health-prod.gpu.member.__proto__',
  'fleet.health-prod._keys.toString',
];

/** One mutation, as plain picks (applied by `mutate`). */
type Mutation =
  | { readonly op: 'set'; readonly path: number; readonly value: number }
  | { readonly op: 'delete'; readonly path: number }
  | { readonly op: 'addKey'; readonly path: number; readonly key: number; readonly value: number }
  | {
      readonly op: 'deep';
      readonly path: number;
      readonly depth: number;
      readonly asObject: boolean;
    }
  | { readonly op: 'id'; readonly field: number; readonly id: number; readonly subject: boolean }
  | { readonly op: 'json'; readonly path: number; readonly value: Json }
  | { readonly op: 'batch'; readonly copies: number; readonly junk: boolean }
  | { readonly op: 'batchShape'; readonly shape: number }
  | {
      readonly op: 'dupKey';
      readonly key: number;
      readonly value: number;
      readonly atEnd: boolean;
    }
  | { readonly op: 'rawNumber'; readonly index: number; readonly literal: number }
  | { readonly op: 'truncate'; readonly at: number }
  | { readonly op: 'flip'; readonly bytes: readonly (readonly [number, number])[] }
  | { readonly op: 'badUtf8'; readonly at: number; readonly kind: number }
  | { readonly op: 'body'; readonly body: number }
  | { readonly op: 'subject'; readonly kind: number; readonly to: number };

const pick = fc.nat(1_000_000);
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('set' as const), path: pick, value: pick }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), path: pick }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('addKey' as const),
      path: pick,
      key: pick,
      value: pick,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('deep' as const),
      path: pick,
      depth: fc.oneof(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 80, max: 5_000 })),
      asObject: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('id' as const),
      field: pick,
      id: pick,
      subject: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('json' as const),
      path: pick,
      value: fc.oneof(
        fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.double(),
        fc.integer(),
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('batch' as const),
      copies: fc.integer({ min: 1, max: 4 }),
      junk: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('batchShape' as const), shape: pick }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('dupKey' as const),
      key: pick,
      value: pick,
      atEnd: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('rawNumber' as const), index: pick, literal: pick }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: pick }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('flip' as const),
      bytes: fc.array(fc.tuple(pick, fc.nat(255)), { minLength: 1, maxLength: 4 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('badUtf8' as const), at: pick, kind: fc.nat(3) }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('body' as const), body: pick }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('subject' as const), kind: fc.nat(3), to: pick }),
  },
);

/** Paths of every value in a JSON tree, parents before children (the root is `[]`). */
const pathsOf = (v: Json, out: (string | number)[][] = [], here: (string | number)[] = []) => {
  out.push(here);
  if (Array.isArray(v)) v.forEach((x, i) => pathsOf(x, out, [...here, i]));
  else if (typeof v === 'object' && v !== null)
    for (const [k, x] of Object.entries(v)) pathsOf(x, out, [...here, k]);
  return out;
};

const getAt = (root: Json, path: readonly (string | number)[]): Json | undefined => {
  let v: Json | undefined = root;
  for (const k of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = Array.isArray(v) ? v[k as number] : Object.hasOwn(v, k) ? v[k as string] : undefined;
  }
  return v;
};

/** Sets (or with `undefined`, deletes) the value at `path`; the root is replaced by returning it. */
const setAt = (root: Json, path: readonly (string | number)[], value: Json | undefined): Json => {
  if (path.length === 0) return value ?? null;
  const parent = getAt(root, path.slice(0, -1));
  const last = path[path.length - 1];
  if (typeof parent !== 'object' || parent === null || last === undefined) return root;
  if (Array.isArray(parent)) {
    if (value === undefined) parent.splice(last as number, 1);
    else parent[last as number] = value;
  } else if (value === undefined) delete parent[last as string];
  // defineProperty, so that a key such as `__proto__` becomes an own key as JSON.parse makes it.
  else
    Object.defineProperty(parent, last, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return root;
};

const nest = (v: Json, depth: number, asObject: boolean): Json => {
  let out = v;
  for (let i = 0; i < depth; i += 1) out = asObject ? { n: out } : [out];
  return out;
};

const DEEP_MARK = 'deep-mark-7f3a-';

const ID_FIELDS = ['workerId', 'taskId', 'keyId', 'project', 'pool'] as const;

const replaceToken = (subject: string, from: string, to: string): string =>
  subject
    .split('.')
    .map((t) => (t === from ? to : t))
    .join('.');

/** Other subjects for the same picks: another kind, project, pool or worker, or garbage. */
const otherSubject = (spec: EventSpec, kind: number, to: number): string => {
  const project = to % 2 === 0 ? PROJECTS[1] : PROJECTS[0];
  const pool = at(POOLS, to);
  const w = at(WORKERS, to);
  switch (kind) {
    case 0: {
      const kinds = [
        S.submit(project as never, pool as never),
        S.cancel(project as never, pool as never),
        S.dispatch(project as never, pool as never),
        S.rejected(project as never, pool as never),
        S.report(project as never, pool as never, w as never),
        S.member(project as never, pool as never, w as never),
        S.key(project as never, at(KEYS, to) as never),
      ];
      return at(kinds, to + spec.n);
    }
    case 1:
      return validEvent({ ...spec, project: to % 8 }).subject;
    case 2:
      return validEvent({ ...spec, worker: to, pool: to }).subject;
    default:
      return at(GARBAGE_SUBJECTS, to);
  }
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Applies mutations in order: to the tree, then its text, then its bytes. */
const mutate = (spec: EventSpec, mutations: readonly Mutation[]): FuzzMessage => {
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

/**
 * A stored message for fuzzing: a valid event of the small world on its subject, unchanged
 * about a third of the time, else with one to three mutations of its fields, text, bytes or
 * subject (type swaps, huge and NaN-ish numbers, unicode, prototype keys and ids, deep nesting,
 * duplicate keys, truncation, flipped bytes, invalid UTF-8, odd batches, wrong subjects).
 */
export const fuzzMessageArb: fc.Arbitrary<FuzzMessage> = fc
  .tuple(
    eventSpecArb,
    fc.oneof(
      { weight: 1, arbitrary: fc.constant([] as Mutation[]) },
      { weight: 2, arbitrary: fc.array(mutationArb, { minLength: 1, maxLength: 3 }) },
    ),
  )
  .map(([spec, mutations]) => mutate(spec, mutations));
