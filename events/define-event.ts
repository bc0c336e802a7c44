import { z } from 'zod';
import { EventMeta } from './meta.ts';

/** Builds the `{ type, data, meta }` schema of one event type. */
export const defineEvent = <const T extends string, D extends z.ZodType>(type: T, data: D) =>
  z.object({ type: z.literal(type), data, meta: EventMeta }).strict();
