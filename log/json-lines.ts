/**
 * A large JSON object as lines of JSON, so that neither writing nor reading it ever builds one
 * string of its whole size (V8 refuses strings past about 512 MiB: a dispatcher's state with a
 * million queued tasks is near that). The first line is the object with every large record
 * (more than {@link SPREAD_OVER} keys, at any depth) left empty; each following line is
 * `[path, key, value]`, one entry of such a record. An object written by `JSON.stringify` alone
 * is one line, and reads the same.
 */

/** Records with more keys than this are written one entry per line. */
export const SPREAD_OVER = 256;

type Obj = Record<string, unknown>;
const isRecord = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A Map is written as the record of its entries (keys are strings in every state we keep). */
const plain = (v: unknown): unknown => (v instanceof Map ? Object.fromEntries(v) : v);
const replacer = (_: string, v: unknown): unknown => plain(v);

/** True when `r` has more than {@link SPREAD_OVER} keys (counted no further). */
const isLarge = (r: Obj): boolean => {
  let n = 0;
  for (const _ in r) if ((n += 1) > SPREAD_OVER) return true;
  return false;
};

/**
 * The large records of `root`, by path, at any depth but never inside one another: a record
 * that is not large is looked into (a projection's bulk sits deeper than an actor's state).
 */
const largeRecords = (root: Obj): [string[], Obj][] => {
  const out: [string[], Obj][] = [];
  const visit = (node: Obj, path: readonly string[]) => {
    for (const [k, m] of Object.entries(node)) {
      const v = plain(m);
      if (!isRecord(v)) continue;
      if (isLarge(v)) out.push([[...path, k], v]);
      else visit(v, [...path, k]);
    }
  };
  visit(root, []);
  return out;
};

/** Sets an own property, even `__proto__`, never the prototype. */
const setOwn = (target: Obj, key: string, value: unknown): void => {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
};

/** `root` with the records at `paths` replaced by empty ones (copies only along the paths). */
const hollow = (root: Obj, paths: readonly string[][]): Obj => {
  const copy: Obj = { ...root };
  const copies = new Set<Obj>([copy]);
  for (const path of paths) {
    let node = copy;
    path.forEach((key, i) => {
      if (i === path.length - 1) {
        setOwn(node, key, {});
        return;
      }
      let next = node[key] as Obj;
      if (!copies.has(next)) {
        next = { ...next };
        copies.add(next);
        setOwn(node, key, next);
      }
      node = next;
    });
  }
  return copy;
};

/**
 * Writes `root` as lines, handing out byte parts of about `partBytes` each as they fill: the
 * whole is serialised synchronously (one instant of a state that moves on), never as one string.
 */
export const writeLines = (root: Obj, partBytes = 1024 * 1024): Uint8Array[] => {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  let pending: string[] = [];
  let size = 0;
  const push = (line: string) => {
    pending.push(line, '\n');
    size += line.length + 1;
    if (size >= partBytes) {
      parts.push(encoder.encode(pending.join('')));
      pending = [];
      size = 0;
    }
  };
  const large = largeRecords(root);
  push(
    JSON.stringify(
      hollow(
        root,
        large.map(([p]) => p),
      ),
      replacer,
    ),
  );
  // No array of a million entries: one line at a time.
  for (const [path, record] of large)
    for (const key in record) {
      const value = record[key];
      // JSON.stringify leaves such an entry out; a line of its own would turn it into null.
      if (value === undefined || typeof value === 'function' || typeof value === 'symbol') continue;
      push(JSON.stringify([path, key, value], replacer));
    }
  if (pending.length > 0) parts.push(encoder.encode(pending.join('')));
  return parts;
};

/** Reads what {@link writeLines} wrote; undefined when it is not such lines. */
export const readLines = (bytes: Uint8Array): Obj | undefined => {
  const decoder = new TextDecoder();
  let root: Obj | undefined;
  let start = 0;
  try {
    while (start < bytes.length) {
      let end = bytes.indexOf(10, start);
      if (end < 0) end = bytes.length;
      const line = decoder.decode(bytes.subarray(start, end));
      start = end + 1;
      if (line === '') continue;
      const parsed = JSON.parse(line) as unknown;
      if (root === undefined) {
        if (!isRecord(parsed)) return undefined;
        root = parsed;
        continue;
      }
      if (!Array.isArray(parsed) || parsed.length !== 3) return undefined;
      const [path, key, value] = parsed as [unknown, unknown, unknown];
      if (!Array.isArray(path) || typeof key !== 'string') return undefined;
      let target: unknown = root;
      for (const p of path) target = isRecord(target) ? target[String(p)] : undefined;
      if (!isRecord(target)) return undefined;
      // An own property even for `__proto__`, never a prototype.
      if (key === '__proto__')
        Object.defineProperty(target, key, { value, enumerable: true, writable: true });
      else target[key] = value;
    }
  } catch {
    return undefined;
  }
  return root;
};
