import { EventSchemas } from '../../events/index.ts';
import type { EventOf, EventType, FleetEventInput, LogEntry } from '../../events/index.ts';

/** Input of an event's data: fields with defaults may be left out. */
type DataInput<T extends EventType> = Extract<FleetEventInput, { type: T }>['data'];

/** Builds a valid event of `type` (defaults filled in by the schema), stamped at `at`. */
export const ev = <T extends EventType>(type: T, data: DataInput<T>, at = 0): EventOf<T> =>
  EventSchemas[type].parse({ type, data, meta: { at } }) as EventOf<T>;

/** Common references so specs read as prose. */
export const P = {
  health: 'health-prod',
  fin: 'fin-prod',
} as const;
export const POOL = 'gpu';

/** A worker enrollment with sane defaults. */
export const enrolled = (
  workerId: string,
  over: Partial<DataInput<'worker.enrolled'>> = {},
): EventOf<'worker.enrolled'> =>
  ev('worker.enrolled', {
    workerId,
    project: P.health,
    pool: POOL,
    keyId: 'k1',
    models: ['llama'],
    capacity: 1,
    ...over,
  });

/** A task submission with sane defaults. */
export const submitted = (
  taskId: string,
  over: Partial<DataInput<'task.submitted'>> = {},
): EventOf<'task.submitted'> =>
  ev('task.submitted', {
    taskId,
    project: P.health,
    pool: POOL,
    requirements: { models: ['llama'] },
    ...over,
  });

/** Numbers a list of events (or batches) into log entries, one message each, from seq 1. */
export const log = (
  items: readonly (EventOf<EventType> | readonly EventOf<EventType>[])[],
  options: { from?: number; at?: (seq: number) => number } = {},
): LogEntry[] =>
  items.map((item, i) => {
    const seq = (options.from ?? 1) + i;
    return {
      seq,
      at: options.at?.(seq) ?? seq,
      events: Array.isArray(item) ? item : [item as EventOf<EventType>],
    };
  });
