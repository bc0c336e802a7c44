/** Builds contract-valid events for the benchmark's pools and history. */
import { EventSchemas } from '../../events/index.ts';
import type { EventOf, EventType, FleetEventInput } from '../../events/index.ts';
import { BASE_TIME } from './knobs.ts';

/** The data an event of `T` takes before the schema fills in its defaults. */
export type EventData<T extends EventType> = Extract<FleetEventInput, { type: T }>['data'];

/** A valid event (defaults filled in by the contract's schema). */
export const validEvent = <T extends EventType>(
  type: T,
  data: EventData<T>,
  at = BASE_TIME,
): EventOf<T> => EventSchemas[type].parse({ type, data, meta: { at } }) as EventOf<T>;
