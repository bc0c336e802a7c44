import type { ViewContext } from '../projection.ts';
import { inScope } from '../scope.ts';
import type { RejectionKind, RejectionRecord, RejectionsState } from './state.ts';

/** Refusals of one kind: how many, by reason. */
export interface RejectionCounts {
  readonly total: number;
  readonly byReason: Readonly<Record<string, number>>;
}

/** One refusal as a scope sees it. */
export type RejectionRecordView = Omit<RejectionRecord, 'foreign'>;

/** Refusals as one scope may see them. */
export interface RejectionView {
  readonly claims: RejectionCounts;
  readonly submissions: RejectionCounts;
  readonly events: RejectionCounts;
  readonly byProject: readonly {
    readonly project: string;
    readonly claims: RejectionCounts;
    readonly submissions: RejectionCounts;
    readonly events: RejectionCounts;
  }[];
  /** The latest ones, newest first. */
  readonly recent: readonly RejectionRecordView[];
}

const KINDS = { claims: 'claim', submissions: 'submission', events: 'event' } as const;

const countOf = (
  s: RejectionsState,
  kind: RejectionKind,
  include: (project: string) => boolean,
): RejectionCounts => {
  const byReason: Record<string, number> = {};
  let total = 0;
  for (const [project, reasons] of Object.entries(s.counts[kind])) {
    if (!include(project)) continue;
    for (const [reason, n] of Object.entries(reasons)) {
      byReason[reason] = (byReason[reason] ?? 0) + n;
      total += n;
    }
  }
  const sorted = Object.fromEntries(
    Object.entries(byReason).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  return { total, byReason: sorted };
};

const present = (r: RejectionRecord, redact: boolean): RejectionRecordView => {
  const { foreign, ...rest } = r;
  // Another project's worker or name stays out of a tenant's view: only the reason remains.
  return foreign && redact
    ? { ...rest, workerId: null, detail: 'names a worker or project outside this project' }
    : rest;
};

/** The rejection view of `state` for `context.scope`. */
export const rejectionView = (state: RejectionsState, { scope }: ViewContext): RejectionView => {
  const visible = (project: string) => inScope(scope, project === '' ? undefined : project);
  const projects = new Set<string>();
  for (const kind of Object.values(KINDS))
    for (const p of Object.keys(state.counts[kind])) if (p !== '' && visible(p)) projects.add(p);
  const counts = (include: (project: string) => boolean) => ({
    claims: countOf(state, KINDS.claims, include),
    submissions: countOf(state, KINDS.submissions, include),
    events: countOf(state, KINDS.events, include),
  });
  const recent =
    scope.kind === 'operator' ? state.recent : (state.recentByProject[scope.project] ?? []);
  return {
    ...counts(visible),
    byProject: [...projects]
      .sort()
      .map((project) => ({ project, ...counts((p) => p === project) })),
    recent: recent.map((r) => present(r, scope.kind === 'project')).reverse(),
  };
};
