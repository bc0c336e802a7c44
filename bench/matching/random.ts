/**
 * The benchmark's one seeded random stream: every draw, in the order the entry point makes
 * them, decides the pools and the history, so runs are comparable.
 */
import { SEED } from './knobs.ts';

/** mulberry32: small, fast, seedable. */
const prng = (seed: number) => {
  let a = seed >>> 0;
  return (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

export const rng = prng(SEED);
export const int = (n: number): number => Math.floor(rng() * n);
export const pick = <T>(xs: readonly T[]): T => {
  const x = xs[int(xs.length)];
  if (x === undefined) throw new Error('pick from an empty list');
  return x;
};
export const some = <T>(xs: readonly T[], min: number, max: number): T[] => {
  const n = min + int(max - min + 1);
  return [...xs].sort(() => rng() - 0.5).slice(0, n);
};
export const chance = (p: number): boolean => rng() < p;
