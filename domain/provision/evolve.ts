import { evolveEntry, evolveEntryInPlace } from '../pool/index.ts';
import type { Verdict } from '../pool/index.ts';
import type { LogEntry } from '../../events/index.ts';
import type { ProvisionState } from './state.ts';

/**
 * A stored message under the pool's own rule (launches included: domain/pool/launches.ts), on
 * the provisioner's private state: it sees the pool exactly as the dispatcher does.
 */
export const evolveInPlace = (state: ProvisionState, entry: LogEntry): Verdict[] =>
  evolveEntryInPlace(state.pool, entry);

/** The same, pure: the state after the message, and its events' verdicts. */
export const evolve = (
  state: ProvisionState,
  entry: LogEntry,
): { state: ProvisionState; verdicts: Verdict[] } => {
  const { state: pool, verdicts } = evolveEntry(state.pool, entry);
  return { state: { ...state, pool }, verdicts };
};
