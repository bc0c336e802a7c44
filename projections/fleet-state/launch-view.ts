import type { RuntimeKind } from '../../events/index.ts';
import type { Scope } from '../scope.ts';
import { inScope } from '../scope.ts';
import type { FleetState } from './state.ts';

/** A launch of a one-shot worker that has not ended. */
export interface LaunchView {
  readonly project: string;
  readonly pool: string;
  readonly launchId: string;
  readonly taskId: string;
  readonly template: string;
  readonly runtime: RuntimeKind;
  /** `requested`: deciding to enrol; `started`: its worker enrolled. */
  readonly status: 'requested' | 'started';
  readonly workerId: string | null;
  readonly ageMs: number;
}

/** A template whose last launch failed, backing off. */
export interface LaunchBackoffView {
  readonly project: string;
  readonly pool: string;
  readonly template: string;
  readonly runtime: RuntimeKind;
  readonly failures: number;
  readonly code: string;
  readonly message: string;
  /** Until when it backs off (stream time), and how long from now (0 once over). */
  readonly retryAt: number;
  readonly retryInMs: number;
}

/** Launches under way and templates backing off, as one scope may see them. */
export interface LaunchesView {
  readonly live: readonly LaunchView[];
  readonly backoff: readonly LaunchBackoffView[];
}

/** The launches of every pool in `scope`, oldest first. */
export const launchesView = (state: FleetState, scope: Scope, now: number): LaunchesView => {
  const live: LaunchView[] = [];
  const backoff: LaunchBackoffView[] = [];
  for (const [pool, ps] of Object.entries(state.pools)) {
    for (const l of Object.values(ps.launches.live)) {
      if (!inScope(scope, l.project)) continue;
      live.push({
        project: l.project,
        pool,
        launchId: l.launchId,
        taskId: l.taskId,
        template: l.template,
        runtime: l.runtime,
        status: l.status,
        workerId: l.workerId ?? null,
        ageMs: Math.max(0, now - l.requestedAt),
      });
    }
    for (const [template, b] of Object.entries(ps.launches.backoff)) {
      if (!inScope(scope, b.project)) continue;
      backoff.push({
        project: b.project,
        pool,
        template,
        runtime: b.runtime,
        failures: b.failures,
        code: b.code,
        message: b.message,
        retryAt: b.retryAt,
        retryInMs: Math.max(0, b.retryAt - now),
      });
    }
  }
  live.sort((a, b) => b.ageMs - a.ageMs);
  return { live, backoff };
};
