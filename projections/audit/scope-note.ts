import type { AuditState } from './audit-state.ts';

/** What a project-scoped audit cannot see, said where it matters. */
export const scopeNote = (s: AuditState): string =>
  s.project === undefined
    ? ''
    : ` (audit scoped to project ${s.project}: it may belong to another project; cross-project checks need operator scope)`;
