import type { EventOf } from '../../events/index.ts';
import type { AuditItem } from './audit-item.ts';
import { auditWorkerKey } from './audit-state.ts';
import type { AuditState, AuditWorkerStatus } from './audit-state.ts';
import type { NoEffect } from './no-effect.ts';

/** Which statuses each lifecycle event may leave from (as the contract's fold has it). */
const TRANSITIONS = {
  'worker.draining': { to: 'draining', from: ['active'] },
  'worker.left': { to: 'left', from: ['active', 'draining'] },
  'worker.lost': { to: 'lost', from: ['active', 'draining'] },
  'worker.revoked': { to: 'revoked', from: ['active', 'draining', 'left', 'lost'] },
} as const satisfies Record<string, { to: AuditWorkerStatus; from: AuditWorkerStatus[] }>;

/**
 * A worker's change of status after its enrollment. One out of turn changes nothing; whether a
 * decision then used a worker that was not active is judged with the decision.
 */
export const foldLifecycle = (
  s: AuditState,
  e:
    | EventOf<'worker.draining'>
    | EventOf<'worker.left'>
    | EventOf<'worker.lost'>
    | EventOf<'worker.revoked'>,
  item: AuditItem,
): NoEffect | undefined => {
  const d = e.data;
  const w = s.workers.get(auditWorkerKey(d.pool, d.workerId));
  if (w?.project !== d.project) return 'unknown_worker';
  const t = TRANSITIONS[e.type];
  if (!(t.from as readonly AuditWorkerStatus[]).includes(w.status)) return 'invalid_transition';
  w.status = t.to;
  w.since = { seq: item.seq, event: e };
  return undefined;
};
