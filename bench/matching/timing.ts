/** Timing loops of the matching micro-benchmark, and the sink that keeps their work alive. */

let sunk = 0;

/** Keeps a result alive so the JIT cannot drop the work that made it. */
export const keep = (n: number): void => {
  sunk += n;
};

/** What `keep` has summed so far (printed, so nothing kept is dead code). */
export const sink = (): number => sunk;

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
};

/** Runs `fn` `ops` times; returns ns per op. */
export const timeOps = (ops: number, fn: (i: number) => number): number => {
  let acc = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) acc += fn(i);
  const ns = Number(process.hrtime.bigint() - t0);
  keep(acc);
  return ns / ops;
};

/** Runs `fn` repeatedly for about `ns` nanoseconds; returns the observed ns per op. */
export const warm = (ns: number, fn: (i: number) => number): number => {
  let ops = 0;
  let acc = 0;
  const t0 = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < ns) {
    for (let k = 0; k < 64; k++) acc += fn(ops++);
    elapsed = Number(process.hrtime.bigint() - t0);
  }
  keep(acc);
  return elapsed / ops;
};
