import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../client/invalid-input-error.ts';
import { capacityLimit } from './parse-capacity.ts';

const at = Date.UTC(2026, 11, 7);
const set = (o: Record<string, unknown>, capacity = '50') =>
  capacityLimit({ pool: 'gpu', ...o }, capacity, at);
const refusal = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof InvalidInputError) return e.message;
    throw e;
  }
  return 'no error';
};

describe('fleet limits set --capacity', () => {
  it('stores the capacity and reserves on the first reserved project’s subject', () => {
    const e = set({ reserve: ['health-prod=10', 'fin-prod=5'] });
    expect(e.data).toEqual({
      project: 'health-prod',
      pool: 'gpu',
      capacity: 50,
      reserves: { 'health-prod': 10, 'fin-prod': 5 },
    });
    expect(set({ project: 'ops' }).data).toEqual({ project: 'ops', pool: 'gpu', capacity: 50 });
  });

  it('refuses bad input with words that say what is wrong', () => {
    expect(refusal(() => set({ reserve: ['a=30', 'b=30'] }))).toMatch(
      /reserves sum to 60, more than the pool capacity of 50/,
    );
    expect(refusal(() => set({ project: 'ops' }, '-5'))).toMatch(/not a whole number/);
    expect(refusal(() => set({ project: 'ops' }, '0'))).toMatch(/must be more than 0/);
    expect(refusal(() => set({ project: 'ops' }, '1000000000'))).toMatch(/absurd/);
    expect(refusal(() => set({ reserve: ['a=1', 'a=2'] }))).toMatch(/names a twice/);
    expect(refusal(() => set({ reserve: ['a'] }))).toMatch(/is not <project>=<slots>/);
    expect(refusal(() => set({ reserve: ['a=-1'] }))).toMatch(/not a whole number/);
    expect(refusal(() => set({}))).toMatch(/name one with --project or --reserve/);
    expect(refusal(() => set({ project: 'ops', concurrency: '3' }))).toMatch(
      /--capacity is the pool's and is set on its own/,
    );
  });
});
