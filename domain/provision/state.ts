import { initialState as initialPoolState } from '../pool/index.ts';
import type { DispatchState } from '../pool/index.ts';
import type { PoolId, RuntimeTemplate } from '../../events/index.ts';

/** Settings every replica of a pool's provisioner must share. */
export interface ProvisionConfig {
  readonly pool: PoolId;
  /** What may be launched, by name (names are unique). */
  readonly templates: readonly RuntimeTemplate[];
  /** A launch whose worker has not enrolled within this long has failed (`start_timeout`). */
  readonly startTimeoutMs: number;
  /** Pause after a template's first failure; it doubles with each failure in a row. */
  readonly backoffBaseMs: number;
  /** Longest pause. */
  readonly backoffMaxMs: number;
}

/** Defaults for every setting but the pool and templates. */
export const defaultProvisionConfig = {
  startTimeoutMs: 60_000,
  backoffBaseMs: 1_000,
  backoffMaxMs: 5 * 60_000,
} as const satisfies Omit<ProvisionConfig, 'pool' | 'templates'>;

/**
 * What a provisioner decides on: its settings and the pool as the dispatcher folds it (queued
 * tasks, live workers and their capabilities, launches under way and templates backing off).
 */
export interface ProvisionState {
  readonly config: ProvisionConfig;
  readonly pool: DispatchState;
}

/** The state before any event. */
export const initialState = (
  config: Partial<ProvisionConfig> & Pick<ProvisionConfig, 'pool' | 'templates'>,
): ProvisionState => ({
  config: { ...defaultProvisionConfig, ...config },
  pool: initialPoolState({ pool: config.pool }),
});
