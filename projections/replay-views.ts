import { isRetentionEvent } from '../events/index.ts';
import type { ProjectId } from '../events/index.ts';
import { DEFAULT_PRICE_TABLE } from './costs/price-table.ts';
import type { PriceTable } from './costs/price-table.ts';
import type { FoldItem } from './fold-item.ts';
import { foldLog, PROJECTIONS } from './projection-states.ts';
import type { ViewContext } from './projection.ts';
import type { Scope } from './scope.ts';

/** One projection's views after a replay: the operator's, and each project's. */
export type ScopedViews = Record<string, unknown>;

/** What a replay of a recorded log shows, per projection (`fleet-state`, `costs`, ...). */
export type ReplayViews = Record<string, ScopedViews>;

/**
 * Folds a recorded log from the start and returns every projection's view for the operator
 * (`operator`) and for each project that appears (by name), taken at the log's last stream
 * timestamp — deterministic, so golden files can hold it.
 */
export const replayViews = (
  items: readonly FoldItem[],
  options: { priceTable?: PriceTable } = {},
): ReplayViews => {
  const states = foldLog(items);
  const now = items.at(-1)?.entry.at ?? 0;
  const priceTable = options.priceTable ?? DEFAULT_PRICE_TABLE;
  const projects = new Set<string>();
  for (const { entry } of items) {
    if ('events' in entry) {
      for (const e of entry.events) if (!isRetentionEvent(e)) projects.add(e.data.project);
    } else if (entry.about !== undefined) projects.add(entry.about.project);
  }
  const scopes: [string, Scope][] = [
    ['operator', { kind: 'operator' }],
    ...[...projects]
      .sort()
      .map((p): [string, Scope] => [p, { kind: 'project', project: p as ProjectId }]),
  ];
  const context = (scope: Scope): ViewContext => ({ scope, now, priceTable });
  const out: ReplayViews = {};
  const views = (view: (c: ViewContext) => unknown): ScopedViews =>
    Object.fromEntries(scopes.map(([name, scope]) => [name, view(context(scope))]));
  out[PROJECTIONS.fleet.name] = views((c) => PROJECTIONS.fleet.view(states.fleet, c));
  out[PROJECTIONS.costs.name] = views((c) => PROJECTIONS.costs.view(states.costs, c));
  out[PROJECTIONS.latency.name] = views((c) => PROJECTIONS.latency.view(states.latency, c));
  out[PROJECTIONS.rejections.name] = views((c) =>
    PROJECTIONS.rejections.view(states.rejections, c),
  );
  return out;
};
