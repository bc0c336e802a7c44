import type { Worker } from '../../actors/worker/index.ts';
import { within } from '../within.ts';

/**
 * Once armed, the first killable worker to start an attempt hangs in it (a wedged GPU): that
 * worker is killed, so at least that attempt surely has to run elsewhere.
 */
export interface Wedge {
  armed: boolean;
  victim?: Worker;
  chosen?: (w: Worker) => void;
}

/**
 * Arms `wedge`, waits for a worker to wedge on an attempt and kills it: no report, no goodbye.
 * Resolves with that worker and the attempts it held (`project/taskId`, attempt).
 */
export const killWedged = async (wedge: Wedge) => {
  const victim = await within(
    new Promise<Worker>((resolve) => {
      wedge.chosen = resolve;
      wedge.armed = true;
    }),
    10_000,
    'no killable worker started an attempt to wedge on',
  );
  const held = victim.inFlight().map((a) => ({
    key: `${a.project}/${a.taskId}`,
    attempt: a.attempt,
  }));
  await victim.kill();
  return { victim, held };
};
