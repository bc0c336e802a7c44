import { expect } from 'vitest';
import type { DispatchCommand, FleetEvent, LogEntry } from '../../events/index.ts';
import { decide, evolveEntries, initialState } from '../../domain/pool/index.ts';
import type { DispatchState, DispatcherConfig } from '../../domain/pool/index.ts';
import { POOL } from './builders.ts';

/**
 * Given/when/then for the dispatcher core, in the style of Emmett's decider specs:
 * `given(history).when(command).then(events)` or `given(history).thenState(check)`.
 */
export const given = (history: LogEntry[], config: Partial<DispatcherConfig> = {}) => {
  const state = evolveEntries(
    initialState({ pool: POOL as DispatcherConfig['pool'], ...config }),
    history,
  );
  return {
    state,
    when: (command: DispatchCommand) => {
      const events = decide(state, command);
      return {
        events,
        then: (expected: FleetEvent[]) => {
          expect(events).toEqual(expected);
        },
        thenMatch: (check: (events: FleetEvent[], state: DispatchState) => void) => {
          check(events, state);
        },
      };
    },
    thenState: (check: (state: DispatchState) => void) => {
      check(state);
    },
  };
};
