import type { NatsConnection } from '@nats-io/transport-node';
import type { CliContext, GlobalOptions } from './cli-context.ts';
import type { EventLog } from '../log/index.ts';
import { InvalidInputError, isId, isName, isReadable, NotFoundError } from '../events/index.ts';

/** Where a task or a worker lives: its project and pool. */
export interface Place {
  readonly project: string;
  readonly pool: string;
}

/** What `locate` looks for: a task by its submission, a worker by its enrollment. */
export type Sought = { readonly task: string } | { readonly worker: string };

/**
 * Finds the project and pool of a task or worker from the log, so that a command needs
 * `--project` and `--pool` only when the id alone is ambiguous. What is given narrows the
 * search; both given are taken as they are. A task is found by its `task.submitted` on the
 * submit subjects, a worker by its `worker.enrolled` on its own member subjects. Reads the
 * stream up to its end at the start (an operator's read: a producer passes both options).
 * Throws `NotFoundError` when nothing matches, `InvalidInputError` naming the candidates when
 * several do.
 */
export const locate = async (
  log: EventLog,
  sought: Sought,
  given: { readonly project?: string | undefined; readonly pool?: string | undefined },
): Promise<Place> => {
  if (given.project !== undefined && given.pool !== undefined)
    return { project: given.project, pool: given.pool };
  // Each becomes a token of a subject filter: no wildcard may slip in.
  for (const [flag, name] of [
    ['--project', given.project],
    ['--pool', given.pool],
  ] as const)
    if (name !== undefined && !isName(name))
      throw new InvalidInputError(flag, `${flag} "${name}" is not a name`);
  const id0 = 'task' in sought ? sought.task : sought.worker;
  if (!isId(id0)) throw new InvalidInputError('id', `"${id0}" is not a valid id`);
  const root = log.subjects.root;
  const where = `${given.project ?? '*'}.${given.pool ?? '*'}`;
  const [what, id, filter] =
    'task' in sought
      ? (['task', sought.task, `${root}.${where}.submit`] as const)
      : (['worker', sought.worker, `${root}.${where}.member.${sought.worker}`] as const);
  const found = new Map<string, Place>();
  const tail = await log.tail(filter, 1, ({ entry }) => {
    if (!isReadable(entry)) return;
    for (const e of entry.events) {
      const place =
        what === 'task'
          ? e.type === 'task.submitted' && e.data.taskId === id
            ? e.data
            : undefined
          : e.type === 'worker.enrolled' && e.data.workerId === id
            ? e.data
            : undefined;
      if (place !== undefined)
        found.set(`${place.project}/${place.pool}`, { project: place.project, pool: place.pool });
    }
  });
  try {
    await tail.caughtUp;
  } finally {
    await tail.stop();
  }
  const places = [...found.values()];
  const only = places[0];
  const scope = given.project === undefined ? '' : ` in project ${given.project}`;
  if (only === undefined)
    throw new NotFoundError(
      `no ${what} ${id}${scope}${given.pool === undefined ? '' : ` in pool ${given.pool}`}`,
    );
  if (places.length === 1) return only;
  const projects = [...new Set(places.map((p) => p.project))];
  throw projects.length > 1
    ? new InvalidInputError(
        '--project',
        `ambiguous: ${what} ${id} found in projects ${projects.join(', ')}; pass --project`,
      )
    : new InvalidInputError(
        '--pool',
        `ambiguous: ${what} ${id} found in pools ${places.map((p) => p.pool).join(', ')} of ` +
          `project ${only.project}; pass --pool`,
      );
};

/**
 * `locate`, on a connection: opens the log (never creating it) only when the id must be looked
 * up — a producer that passes `--project` and `--pool` never reads the stream.
 */
export const locateOn = async (
  ctx: CliContext,
  nc: NatsConnection,
  g: GlobalOptions,
  sought: Sought,
  given: { readonly project?: string | undefined; readonly pool?: string | undefined },
): Promise<Place> => {
  if (given.project !== undefined && given.pool !== undefined)
    return { project: given.project, pool: given.pool };
  return locate(await ctx.openLog(nc, g), sought, given);
};
