import type { ProjectId } from '../events/index.ts';
import type { Scope } from '../projections/index.ts';
import { historyPointOf, HistoryRing } from './history-ring.ts';
import type { HistoryPoint } from './history-ring.ts';
import type { SnapshotSource } from './start-hud.ts';

/** Options of {@link scopeHistory}. */
export interface ScopeHistoryOptions {
  readonly projections: SnapshotSource;
  /** Points kept per scope (default 180: three minutes at one a second, the charts' window). */
  readonly capacity?: number;
  /** Most projects with a history of their own (default 1,000); later ones get none. */
  readonly maxProjects?: number;
  readonly now?: () => number;
}

/** Recent history of every scope, sampled from the projections. */
export interface ScopeHistory {
  /** Takes a point for the operator scope and for each project, if anything changed since. */
  sample(): void;
  /** The points of `scope`, oldest first (none for a project not seen). */
  points(scope: Scope): readonly HistoryPoint[];
  /** Stops listening to the projections. */
  stop(): void;
}

const keyOf = (scope: Scope): string =>
  scope.kind === 'operator' ? 'operator' : `project:${scope.project}`;

/**
 * Keeps a bounded ring of history points per scope, the operator's and each project's, so that
 * a page opened now draws the last minutes at once instead of starting empty. `sample` takes a
 * point only after a change (the page carries values forward over quiet times); the first call
 * always takes one, the base the page measures rates from.
 */
export const scopeHistory = (options: ScopeHistoryOptions): ScopeHistory => {
  const { projections } = options;
  const capacity = options.capacity ?? 180;
  const maxProjects = options.maxProjects ?? 1_000;
  const now = options.now ?? Date.now;
  const rings = new Map<string, HistoryRing>();
  let dirty = true;
  const unsubscribe = projections.onChange(() => {
    dirty = true;
  });
  const ringOf = (scope: Scope): HistoryRing | undefined => {
    const key = keyOf(scope);
    let ring = rings.get(key);
    if (ring === undefined) {
      if (scope.kind === 'project' && rings.size > maxProjects) return undefined;
      ring = new HistoryRing(capacity);
      rings.set(key, ring);
    }
    return ring;
  };
  return {
    sample: () => {
      if (!dirty) return;
      dirty = false;
      const t = now();
      const operator: Scope = { kind: 'operator' };
      const all = projections.snapshot(operator);
      ringOf(operator)?.push(historyPointOf(all, t));
      for (const project of all.fleet.projects) {
        const scope: Scope = { kind: 'project', project: project as ProjectId };
        ringOf(scope)?.push(historyPointOf(projections.snapshot(scope), t));
      }
    },
    points: (scope) => rings.get(keyOf(scope))?.points() ?? [],
    stop: unsubscribe,
  };
};
