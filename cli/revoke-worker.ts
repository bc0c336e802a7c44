import type { EventLog } from '../log/index.ts';
import { ConflictError, isReadable, RefusedError, WorkerRevoked } from '../events/index.ts';
import { InvalidInputError } from '../client/index.ts';

/** Lost races on the member subject before giving up. */
const TRIES = 3;

/** What the member subject of one worker holds now. */
const readMembership = async (log: EventLog, subject: string) => {
  let lastSeq = 0;
  let enrolled = false;
  let revoked = false;
  const tail = await log.tail(subject, 1, ({ entry }) => {
    lastSeq = entry.seq;
    if (!isReadable(entry)) return;
    for (const e of entry.events) {
      if (e.type === 'worker.enrolled') enrolled = true;
      if (e.type === 'worker.revoked') revoked = true;
    }
  });
  try {
    await tail.caughtUp;
  } finally {
    await tail.stop();
  }
  return { lastSeq, enrolled, revoked };
};

/**
 * Locks a worker out: appends `worker.revoked` on its member subject, after checking that the
 * worker enrolled in that project and pool and is not revoked already. Its pool's dispatcher
 * then refuses its claims and heartbeats (`worker_revoked`) and requeues what it held.
 * Throws `InvalidInputError` for invalid names and `RefusedError` (`unknown_worker`,
 * `revoked`) when there is nothing to revoke.
 */
export const revokeWorker = async (
  log: EventLog,
  target: { project: string; pool: string; workerId: string; reason?: string },
): Promise<{ seq: number }> => {
  const parsed = WorkerRevoked.safeParse({
    type: 'worker.revoked',
    data: {
      workerId: target.workerId,
      project: target.project,
      pool: target.pool,
      ...(target.reason === undefined ? {} : { reason: target.reason }),
    },
    meta: { at: Date.now() },
  });
  if (!parsed.success)
    throw InvalidInputError.fromZod(parsed.error, { what: 'invalid revocation', skip: 1 });
  const { project, pool, workerId } = parsed.data.data;
  const subject = log.subjects.member(project, pool, workerId);
  for (let tries = 1; ; tries += 1) {
    const m = await readMembership(log, subject);
    if (!m.enrolled)
      throw new RefusedError(
        'unknown_worker',
        `no worker ${workerId} enrolled in project ${project}, pool ${pool}`,
      );
    if (m.revoked) throw new RefusedError('revoked', `worker ${workerId} is already revoked`);
    try {
      const appended = await log.append(subject, parsed.data, {
        expectedLastSubjectSeq: m.lastSeq,
      });
      return { seq: appended.seq };
    } catch (e) {
      if (!(e instanceof ConflictError) || tries >= TRIES) throw e;
    }
  }
};
