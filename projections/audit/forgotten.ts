import type { AuditState, AuditTask } from './audit-state.ts';

/** The pool a stored subject belongs to, `<root>.<project>.<pool>.…`, as a dispatcher reads it. */
const poolOfSubject = (subject: string): string | undefined => {
  const t = subject.split('.');
  return t.length >= 4 ? t[2] : undefined;
};

/**
 * Moves the clock of the pool a stored message belongs to: the latest stream time of the
 * pool's messages, never going back. Dispatchers forget an ended task by it.
 */
export const tickPoolClock = (s: AuditState, subject: string, at: number): void => {
  const pool = poolOfSubject(subject);
  if (pool !== undefined && at > (s.clocks.get(pool) ?? 0)) s.clocks.set(pool, at);
};

/** The clock of `pool`, for a task that ends now. */
export const poolClock = (s: AuditState, pool: string): number => s.clocks.get(pool) ?? 0;

/**
 * Whether the pool's dispatcher has forgotten `task` by now (the rule of the contract, written
 * here on its own): it ended, and its pool's clock is at least the setting past its end
 * (`forgetDeadLettersAfterMs` for a dead letter, `forgetEndedAfterMs` otherwise). A forgotten
 * task's id may be submitted again as a new task; a redrive of it changes nothing.
 */
export const isForgotten = (s: AuditState, task: AuditTask): boolean => {
  if (task.endedClock === undefined || task.status === 'queued' || task.status === 'assigned')
    return false;
  const after = task.status === 'dead_lettered' ? s.forgetDeadLettersAfterMs : s.forgetEndedAfterMs;
  return task.endedClock + after <= poolClock(s, task.pool);
};
