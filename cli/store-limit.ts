import { InvalidInputError } from '../client/invalid-input-error.ts';
import { isName, LimitCleared } from '../events/index.ts';
import type { EventOf, PoolId, ProjectId } from '../events/index.ts';
import type { EventLog } from '../log/index.ts';
import { limitInput, parseLimit } from './parse-limit.ts';
import type { LimitOptions } from './parse-limit.ts';

/**
 * Puts an operator's limits in force: `limit.set` on the scope's limits subject. A limit that
 * does not parse is refused with an `InvalidInputError` saying what is wrong, and the refusal is
 * recorded on the stream (`limit.refused`) when its project and pool are names (a subject needs
 * them). `fleet limits set` and the HUD's action both store a limit through this.
 */
export const storeLimit = async (
  log: EventLog,
  o: LimitOptions,
  now = Date.now(),
): Promise<{ seq: number; event: EventOf<'limit.set'> }> => {
  let event: EventOf<'limit.set'>;
  try {
    event = parseLimit(o, now);
  } catch (e) {
    if (isName(o.project) && isName(o.pool)) {
      const reason = (e instanceof Error ? e.message : String(e)).slice(0, 512);
      await log.append(log.subjects.limits(o.project as ProjectId, o.pool as PoolId), {
        type: 'limit.refused',
        data: { project: o.project, pool: o.pool, input: limitInput(o), reason },
        meta: { at: now },
      });
    }
    throw e;
  }
  const { seq } = await log.append(log.subjects.limits(event.data.project, event.data.pool), event);
  return { seq, event };
};

/** What `fleet limits clear` and the HUD name: a project's limits in a pool, or of one model. */
export interface ClearLimitOptions {
  project: string;
  pool: string;
  model?: string;
}

/** Lifts the limits of a scope: `limit.cleared`, or an `InvalidInputError` for a bad scope. */
export const clearLimit = async (
  log: EventLog,
  o: ClearLimitOptions,
  now = Date.now(),
): Promise<{ seq: number }> => {
  const parsed = LimitCleared.safeParse({
    type: 'limit.cleared',
    data: {
      project: o.project,
      pool: o.pool,
      ...(o.model === undefined ? {} : { model: o.model }),
    },
    meta: { at: now },
  });
  if (!parsed.success)
    throw new InvalidInputError('limits', parsed.error.issues[0]?.message ?? 'invalid scope');
  const e = parsed.data;
  return log.append(log.subjects.limits(e.data.project, e.data.pool), e);
};
