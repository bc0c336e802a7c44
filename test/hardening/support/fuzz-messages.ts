import fc from 'fast-check';
import { mutate } from './fuzz-mutate.ts';
import type { FuzzMessage } from './fuzz-mutate.ts';
import { mutationArb } from './fuzz-mutations.ts';
import type { Mutation } from './fuzz-mutations.ts';
import { eventSpecArb } from './fuzz-world.ts';

export type { FuzzMessage } from './fuzz-mutate.ts';

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
