import { auditTaskKey } from './audit-state.ts';
import type { At, AuditState, AuditTask } from './audit-state.ts';
import { scopeNote } from './scope-note.ts';
import { violate } from './violate.ts';

/**
 * The task a decision names, or nothing once an `unknown_task` violation is recorded: `did`
 * says what the decision did to it ("timed out but was", "was readied but").
 */
export const submittedTask = (
  s: AuditState,
  d: { readonly project: string; readonly pool: string; readonly taskId: string },
  here: At,
  did: string,
): AuditTask | undefined => {
  const task = s.tasks.get(auditTaskKey(d.project, d.pool, d.taskId));
  if (task === undefined)
    violate(
      s,
      'unknown_task',
      [here],
      `task ${d.taskId} of ${d.project}/${d.pool} ${did} never submitted${scopeNote(s)}`,
    );
  return task;
};
