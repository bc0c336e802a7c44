import type { z } from 'zod';
import type { PriceTable } from './costs/price-table.ts';
import type { FoldItem } from './fold-item.ts';
import type { Scope } from './scope.ts';

/** What a view is computed for: who looks, when, and how tokens are priced. */
export interface ViewContext {
  readonly scope: Scope;
  /** The clock against which ages and the last minute are measured (epoch ms). */
  readonly now: number;
  readonly priceTable: PriceTable;
}

/**
 * A read projection: a fold of the event stream (`recipe`, an immer recipe applied in place by
 * the runner) from `initialState()`, a view of the state filtered to a scope, and what its
 * checkpoint needs (a key, a format version, a schema that validates a loaded state).
 */
export interface Projection<S, I extends FoldItem, V> {
  /** Key of its checkpoint. */
  readonly name: string;
  /** Bump when the state's shape or meaning changes: older checkpoints are then ignored. */
  readonly version: number;
  initialState(): S;
  recipe(draft: S, item: I): void;
  readonly schema: z.ZodType<S>;
  /** Plain JSON, already filtered to `context.scope`. Never shares objects with the state. */
  view(state: S, context: ViewContext): V;
}
