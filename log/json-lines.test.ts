import { describe, expect, it } from 'vitest';
import { readLines, SPREAD_OVER, writeLines } from './json-lines.ts';

const concat = (parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

describe('JSON lines', () => {
  it('write large records one entry a line, in parts, and read back the same object', () => {
    const tasks = Object.fromEntries(
      Array.from({ length: SPREAD_OVER * 4 }, (_, i) => [`p/t${i}`, { id: `t${i}`, n: i }]),
    );
    const seqs = Object.fromEntries(
      Array.from({ length: SPREAD_OVER + 1 }, (_, i) => [`s${i}`, i]),
    );
    const root = {
      version: 5,
      position: 42,
      subjectSeqs: seqs,
      state: { tasks, queues: { q: { 'p/t1': 1 } }, workers: {}, position: 42 },
    };
    const parts = writeLines(root, 4096);
    expect(parts.length).toBeGreaterThan(5);
    const bytes = concat(parts);
    // One line for the rest, one per entry of each large record.
    const lines = new TextDecoder()
      .decode(bytes)
      .split('\n')
      .filter((l) => l !== '');
    expect(lines).toHaveLength(1 + SPREAD_OVER * 4 + SPREAD_OVER + 1);
    expect(readLines(bytes)).toEqual(root);
  });

  it('spread large records at any depth, and leave out entries JSON leaves out', () => {
    const tasks = Object.fromEntries(
      Array.from({ length: SPREAD_OVER + 1 }, (_, i) => [`t${i}`, { n: i }]),
    );
    const root = {
      version: 1,
      state: { pools: { gpu: { tasks, workers: {} }, cpu: { tasks: { t: { n: 0 } } } } },
    };
    const lines = new TextDecoder()
      .decode(concat(writeLines(root)))
      .split('\n')
      .filter((l) => l !== '');
    expect(lines).toHaveLength(1 + SPREAD_OVER + 1);
    expect(lines[1]).toBe('[["state","pools","gpu","tasks"],"t0",{"n":0}]');
    expect(readLines(concat(writeLines(root)))).toEqual(root);
    // The input is left as it was.
    expect(Object.keys(root.state.pools.gpu.tasks)).toHaveLength(SPREAD_OVER + 1);

    const holes: Record<string, unknown> = { ...tasks, gone: undefined, fn: () => 1 };
    const read = readLines(concat(writeLines({ holes }))) as { holes: Record<string, unknown> };
    expect(Object.keys(read.holes)).toEqual(Object.keys(tasks));
  });

  it('read an object written as one JSON document, and refuse anything else', () => {
    const one = { version: 1, state: { a: { b: 1 } } };
    expect(readLines(new TextEncoder().encode(JSON.stringify(one)))).toEqual(one);
    expect(readLines(new TextEncoder().encode('{"a":1}\n[1,2]\n'))).toBeUndefined();
    expect(readLines(new TextEncoder().encode('{"a":1}\n[["nope"],"k",1]\n'))).toBeUndefined();
    expect(readLines(new TextEncoder().encode('{"a":\n'))).toBeUndefined();
    expect(readLines(new TextEncoder().encode('[1]'))).toBeUndefined();
  });

  it('keep a __proto__ key an own entry, never the prototype', () => {
    const bytes = new TextEncoder().encode('{"r":{}}\n[["r"],"__proto__",{"polluted":true}]\n');
    const read = readLines(bytes) as { r: Record<string, unknown> };
    expect(Object.getPrototypeOf(read.r)).toBe(Object.prototype);
    expect(Object.keys(read.r)).toEqual(['__proto__']);
  });
});
