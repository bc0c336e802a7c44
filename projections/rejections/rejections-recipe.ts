import { isReadable, isRetentionEvent } from '../../events/index.ts';
import type { JudgedItem } from '../fold-item.ts';
import { poolOf } from '../fleet-state/pool-of.ts';
import { RECENT_REJECTIONS } from './state.ts';
import type { RejectionRecord, RejectionsState } from './state.ts';

/** Reasons whose record names another project or its worker. */
const FOREIGN = new Set(['cross_project', 'subject_mismatch']);

const isSubmitSubject = (subject: string) => {
  const t = subject.split('.');
  return t.length === 4 && t[3] === 'submit';
};

const keep = (list: RejectionRecord[], r: RejectionRecord) => {
  list.push(r);
  if (list.length > RECENT_REJECTIONS) list.splice(0, list.length - RECENT_REJECTIONS);
};

const note = (s: RejectionsState, fields: RejectionRecord) => {
  // One field order for every record, so views and golden files read alike.
  const r: RejectionRecord = {
    seq: fields.seq,
    at: fields.at,
    kind: fields.kind,
    project: fields.project,
    pool: fields.pool,
    type: fields.type,
    reason: fields.reason,
    detail: fields.detail,
    taskId: fields.taskId,
    workerId: fields.workerId,
    foreign: fields.foreign,
  };
  const byReason = (s.counts[r.kind][r.project ?? ''] ??= {});
  byReason[r.reason] = (byReason[r.reason] ?? 0) + 1;
  keep(s.recent, r);
  if (r.project !== null) keep((s.recentByProject[r.project] ??= []), r);
};

/**
 * The rejections fold: refused claims (`claim.rejected`, by reason and project), invalid
 * submissions (unreadable messages on submit subjects, and submissions the dispatcher's fold
 * refused) and every other event the fold refused or could not read (stale, forged,
 * duplicate reports...), each counted under the project whose subject it arrived on.
 */
export const rejectionsRecipe = (s: RejectionsState, item: JudgedItem): void => {
  const { subject, entry } = item;
  const base = { seq: entry.seq, at: entry.at, pool: poolOf(subject) ?? null };
  if (!isReadable(entry)) {
    note(s, {
      ...base,
      kind: isSubmitSubject(subject) ? 'submission' : 'event',
      project: entry.about?.project ?? null,
      type: 'unreadable',
      reason: entry.refused.code,
      detail: entry.refused.message,
      taskId: entry.about?.taskId ?? entry.about?.taskIds?.[0] ?? null,
      workerId: null,
      foreign: FOREIGN.has(entry.refused.code),
    });
    return;
  }
  entry.events.forEach((e, i) => {
    if (isRetentionEvent(e)) return; // the operator's, never a refusal
    const v = item.verdicts[i];
    const d = e.data;
    const ids = {
      project: d.project,
      taskId: 'taskId' in d ? d.taskId : null,
      workerId: 'workerId' in d ? d.workerId : null,
    };
    if (e.type === 'claim.rejected' && v?.kind !== 'refused') {
      note(s, {
        ...base,
        ...ids,
        kind: 'claim',
        type: e.type,
        reason: e.data.reason,
        detail: e.data.detail ?? '',
        foreign: FOREIGN.has(e.data.reason),
      });
      return;
    }
    if (v?.kind !== 'refused') return;
    note(s, {
      ...base,
      ...ids,
      kind: e.type === 'task.submitted' ? 'submission' : 'event',
      type: e.type,
      reason: v.reason,
      detail: v.detail,
      foreign: FOREIGN.has(v.reason),
    });
  });
};
