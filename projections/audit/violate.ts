import type { FleetEvent } from '../../events/index.ts';
import type { At, AuditState } from './audit-state.ts';
import type { ViolationKind } from './violation.ts';

/**
 * Records a violation, while recording: the events involved (undefined ones left out), the
 * event at fault last, and what went wrong in words.
 */
export const violate = (
  s: AuditState,
  kind: ViolationKind,
  involved: readonly (At | undefined)[],
  detail: string,
): void => {
  if (!s.recording) return;
  // In stream order and without repeats (a batch's events share one sequence); the event at
  // fault is always the last one stored.
  const distinct = new Map<FleetEvent, At>();
  for (const x of involved) if (x !== undefined && !distinct.has(x.event)) distinct.set(x.event, x);
  const sorted = [...distinct.values()].sort((a, b) => a.seq - b.seq);
  s.violations.push({
    kind,
    seqs: [...new Set(sorted.map((x) => x.seq))],
    detail,
    events: sorted.map((x) => x.event),
  });
};
