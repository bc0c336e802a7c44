import type { ChildLink } from './child-link.ts';
import { sharedClockMs } from './child-io.ts';

/** How far a child's clock is from ours, and how sure we are. */
export interface ClockOffset {
  /** Child clock minus our clock, ms. */
  readonly offsetMs: number;
  /** Half the round trip of the best ping: the offset is right within this. */
  readonly uncertaintyMs: number;
}

/**
 * Estimates a child's clock offset NTP-style: ping it `samples` times over its pipes and keep
 * the ping with the shortest round trip. Cross-process latencies are only meaningful when this
 * offset is small next to them.
 */
export const clockOffset = async (child: ChildLink, samples = 30): Promise<ClockOffset> => {
  let best: ClockOffset = { offsetMs: Number.NaN, uncertaintyMs: Number.POSITIVE_INFINITY };
  for (let i = 0; i < samples; i += 1) {
    const t0 = sharedClockMs();
    child.send({ cmd: 'ping' });
    const pong = await child.next('pong', 5_000);
    const t1 = sharedClockMs();
    const half = (t1 - t0) / 2;
    if (half < best.uncertaintyMs)
      best = { offsetMs: Number(pong['at']) - (t0 + half), uncertaintyMs: half };
  }
  return best;
};
