import { InvalidInputError } from '../client/invalid-input-error.ts';
import { isName, LimitCleared } from '../events/index.ts';
import type { EventOf, PoolId, ProjectId } from '../events/index.ts';
import type { EventLog } from '../log/index.ts';
import { capacityCarrier, capacityLimit } from './parse-capacity.ts';
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
    event =
      o.capacity === undefined
        ? parseLimit(o, now)
        : await knownReserves(log, capacityLimit(o, o.capacity, now));
  } catch (e) {
    const project = o.capacity === undefined ? o.project : capacityCarrier({ ...o, capacity: '' });
    if (project !== undefined && isName(project) && isName(o.pool)) {
      const reason = (e instanceof Error ? e.message : String(e)).slice(0, 512);
      await log.append(log.subjects.limits(project as ProjectId, o.pool as PoolId), {
        type: 'limit.refused',
        data: { project, pool: o.pool, input: limitInput(o), reason },
        meta: { at: now },
      });
    }
    throw e;
  }
  const { seq } = await log.append(log.subjects.limits(event.data.project, event.data.pool), event);
  return { seq, event };
};

/**
 * A pool capacity whose reserves name only projects the pool has seen (a task submitted or a
 * worker enrolled there): a typo would keep slots for a project that never comes.
 */
const knownReserves = async (
  log: EventLog,
  e: EventOf<'limit.set'>,
): Promise<EventOf<'limit.set'>> => {
  const { pool } = e.data;
  for (const project of Object.keys(e.data.reserves ?? {})) {
    const seen = await log.lastSubjectSeq(`${log.subjects.root}.${project}.${pool}.>`);
    if (seen === 0)
      throw new InvalidInputError(
        '--reserve',
        `unknown project "${project}" in pool ${pool}: no task or worker of it there`,
      );
  }
  return e;
};

/** What `fleet limits clear` and the HUD name: a project's limits in a pool, or of one model. */
export interface ClearLimitOptions {
  project?: string | undefined;
  pool: string;
  model?: string | undefined;
  /** Lift the pool's capacity instead (stored on `project`'s limits subject). */
  capacity?: boolean | undefined;
}

/** Lifts the limits of a scope: `limit.cleared`, or an `InvalidInputError` for a bad scope. */
export const clearLimit = async (
  log: EventLog,
  o: ClearLimitOptions,
  now = Date.now(),
): Promise<{ seq: number }> => {
  if (o.project === undefined)
    throw new InvalidInputError(
      '--project',
      o.capacity === true
        ? 'a pool capacity is cleared on a project’s limits subject: name one with --project'
        : 'a project’s limits need --project',
    );
  const parsed = LimitCleared.safeParse({
    type: 'limit.cleared',
    data: {
      project: o.project,
      pool: o.pool,
      ...(o.model === undefined ? {} : { model: o.model }),
      ...(o.capacity === true ? { capacity: true } : {}),
    },
    meta: { at: now },
  });
  if (!parsed.success)
    throw new InvalidInputError('limits', parsed.error.issues[0]?.message ?? 'invalid scope');
  const e = parsed.data;
  return log.append(log.subjects.limits(e.data.project, e.data.pool), e);
};
