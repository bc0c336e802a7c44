import { z } from 'zod';

/**
 * The record of a pool's dispatcher lease, the value of the pool's key in the lease bucket:
 * who serves the pool (`holder`, one dispatcher process's instance), since which election
 * (`term`, raised by every change of holder), and until when, in ms since the epoch, unless it
 * renews. Written with compare-and-set on the key's revision, so two candidates never both win.
 */
export const DispatcherLease = z
  .object({
    holder: z.string().min(1).max(256),
    term: z.number().int().nonnegative(),
    expiresAt: z.number().int().nonnegative(),
  })
  .strict();
export type DispatcherLease = z.infer<typeof DispatcherLease>;
