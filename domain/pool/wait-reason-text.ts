// Straight from its file: `fleet top` loads this text at start-up, before zod (startup.e2e).
import { limitText } from '../limits/limit-text.ts';
import { capacityText } from '../limits/pool-capacity.ts';
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
    case 'over_limit':
      return limitText(r.block);
    case 'pool_capacity':
      return capacityText(r.block);
    case 'launching':
      return `launching a ${r.runtime} worker from template ${r.template}${r.status === 'started' ? ' (enrolled)' : ''}${r.launches > 1 ? `, ${r.launches} launches` : ''}`;
    case 'launch_backoff':
      return `launch from template ${r.template} (${r.runtime}) failed ${r.failures}x (${r.code}: ${r.message}); retry after ${new Date(r.retryAt).toISOString()}`;
    case 'backoff':
      return `retry backoff after attempt ${r.attempt} failed: ready at ${new Date(r.until).toISOString()}`;
    case 'not_before':
      return `not before ${new Date(r.until).toISOString()}, as submitted`;
    case 'not_waiting':
      return r.status;
    default: {
      const never: never = r;
      return never;
    }
  }
};
