import { evolveEntryInPlace, initialState } from '../domain/pool/index.ts';
import type { DispatchState, WorkerStatus } from '../domain/pool/index.ts';
import type { EventLog } from '../log/index.ts';
import { isName, parseSubject } from '../events/index.ts';
import type { Labels, PoolId, ProjectId, Runtime } from '../events/index.ts';
import { InvalidInputError } from '../client/index.ts';

/** A worker as `fleet workers list` shows it. */
export interface WorkerRow {
  readonly workerId: string;
  readonly project: string;
  readonly pool: string;
  readonly status: WorkerStatus;
  readonly models: readonly string[];
  readonly labels: Labels;
  readonly exclusive: readonly string[];
  readonly runtime: Runtime;
  readonly capacity: number;
  /** Attempts it holds now. */
  readonly held: number;
  readonly keyId: string;
  /** Stream sequence of its enrollment. */
  readonly enrolledSeq: number;
}

/**
 * Lists workers as their pools' dispatchers see them: folds what the log holds now (one
 * dispatcher state per pool, the dispatcher's own fold) and stops. Reads only the pool's or the
 * project's subjects when one is given.
 */
export const readWorkers = async (
  log: EventLog,
  filter: { project?: string; pool?: string } = {},
): Promise<WorkerRow[]> => {
  const { project, pool } = filter;
  for (const [flag, name] of [
    ['project', project],
    ['pool', pool],
  ] as const)
    if (name !== undefined && !isName(name))
      throw new InvalidInputError(flag, `"${name}" is not a ${flag} name`);
  const subjects = log.subjects;
  const source =
    pool !== undefined
      ? subjects.pool(pool as PoolId)
      : project !== undefined
        ? subjects.project(project as ProjectId)
        : subjects.all();
  const pools = new Map<string, DispatchState>();
  const tail = await log.tail(source, 1, ({ subject, entry }) => {
    const parsed = parseSubject(subject, subjects.root);
    if (!parsed.ok || parsed.value.kind === 'key' || parsed.value.kind === 'retention') return;
    const p = parsed.value.pool;
    let state = pools.get(p);
    if (state === undefined) {
      state = initialState({ pool: p });
      pools.set(p, state);
    }
    evolveEntryInPlace(state, entry);
  });
  try {
    await tail.caughtUp;
  } finally {
    await tail.stop();
  }
  const rows: WorkerRow[] = [];
  for (const state of pools.values())
    for (const w of Object.values(state.workers)) {
      const c = w.capability;
      if (project !== undefined && c.project !== project) continue;
      rows.push({
        workerId: w.id,
        project: c.project,
        pool: c.pool,
        status: w.status,
        models: c.models,
        labels: c.labels,
        exclusive: c.exclusive,
        runtime: c.runtime,
        capacity: w.capacity,
        held: w.held.length,
        keyId: w.keyId,
        enrolledSeq: w.enrolledSeq,
      });
    }
  return rows.sort((a, b) => a.enrolledSeq - b.enrolledSeq);
};
