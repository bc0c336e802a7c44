import type { Heal } from './stream-read.ts';

/** One line saying why a read paused and where it goes on. */
export const healLine = (heal: Heal): string =>
  `[heal] read of ${heal.filter} reopened at sequence ${heal.from}: ${heal.reason} (${heal.detail})`;
