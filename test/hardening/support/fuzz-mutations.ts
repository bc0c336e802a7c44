import fc from 'fast-check';
import type { Json } from './json-tree.ts';

/** One mutation, as plain picks (applied by `mutate`). */
export type Mutation =
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
export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
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
