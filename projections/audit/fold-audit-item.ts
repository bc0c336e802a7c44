import { isReadable } from '../../events/index.ts';
import type { AuditItem } from './audit-item.ts';
import type { AuditState } from './audit-state.ts';
import { foldEvent } from './fold-event.ts';
import { tickPoolClock } from './forgotten.ts';
import type { Violation } from './violation.ts';

const NONE: readonly Violation[] = [];

/** The project a stored subject names (`<root>.<project>.…`). */
const projectOf = (subject: string): string | undefined => {
  const start = subject.indexOf('.') + 1;
  const end = subject.indexOf('.', start);
  return start === 0 ? undefined : subject.slice(start, end < 0 ? undefined : end);
};

/**
 * The audit's fold: applies one stored message to the state in place, in stream order, under
 * the contract's rules (an event that is invalid at its position changes nothing), and records
 * every decision, key use and enrollment that broke an invariant. Messages already folded, and
 * with a project scope those of other projects, are skipped.
 */
export const foldAuditItem = (s: AuditState, item: AuditItem): void => {
  if (item.seq <= s.position) return;
  // The codec checked that every event agrees with its subject's project.
  if (s.project !== undefined && projectOf(item.subject) !== s.project) return;
  s.position = item.seq;
  s.time = item.at;
  const c = s.counts;
  if (s.recording) c.messages += 1;
  const entry = item.entry;
  if (!isReadable(entry)) {
    if (s.recording) {
      c.unreadable += 1;
      c.unreadableByCode[entry.refused.code] = (c.unreadableByCode[entry.refused.code] ?? 0) + 1;
    }
    return;
  }
  tickPoolClock(s, item.subject, item.at);
  for (const e of entry.events) {
    const before = s.violations.length;
    const noEffect = foldEvent(s, e, item);
    if (s.recording) {
      c.events += 1;
      if (noEffect !== undefined) c.noEffect[noEffect] = (c.noEffect[noEffect] ?? 0) + 1;
    }
    s.observe?.(
      item,
      e,
      noEffect,
      s.violations.length > before ? s.violations.slice(before) : NONE,
    );
  }
};
