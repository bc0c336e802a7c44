import type { WaitReason } from './why-waiting.ts';

/**
 * Why a task waits, in words: one text for `fleet top`, `fleet status`, `fleet submit --wait`
 * and the dispatcher's status reply, so that they never tell one waiting task apart.
 */
export const waitReasonText = (r: WaitReason): string => {
  switch (r.kind) {
    case 'no_workers':
      return 'no active worker';
    case 'unmet':
      return `unmet ${r.unmet.kind}: ${r.unmet.detail}`;
    case 'no_single_worker':
      return `no one worker meets all of: ${r.unmet.map((u) => u.detail).join('; ')}`;
    case 'workers_busy':
      return `${r.eligibleWorkers} eligible, all busy`;
    case 'awaiting_claim':
      return `${r.freeWorkers} of ${r.eligibleWorkers} eligible free: starts at their next claim`;
    case 'backoff':
      return `retry backoff after attempt ${r.attempt} failed: ready at ${new Date(r.until).toISOString()}`;
    case 'not_waiting':
      return r.status;
    default: {
      const never: never = r;
      return never;
    }
  }
};
