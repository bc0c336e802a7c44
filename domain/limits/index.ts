/**
 * The limits of a pool, pure: budgets, rates and concurrency caps per project (and model), the
 * reservations of running attempts and their settlement, and the one check (`limitBlock`) that
 * the dispatcher decides by and the fold enforces. Time comes in as arguments.
 */
export { initialLimits, scopeKey, scopeOf } from './limits-state.ts';
export type {
  Charge,
  Declared,
  Hold,
  Ledger,
  LimitRule,
  LimitsState,
  PoolCapacity,
} from './limits-state.ts';
export { DEFAULT_ESTIMATE, reservationOf, scopesOf } from './reservation.ts';
export type { Amount, LimitedTask } from './reservation.ts';
export { RATE_WINDOW_MS, addPending, limitBlock } from './limit-block.ts';
export type { LimitBlock, LimitKind, Pending } from './limit-block.ts';
export { advance, clearRule, reserve, setRule, settle } from './ledger.ts';
export { calendarPeriod, periodWindow, wallText } from './calendar.ts';
export { durationText, limitText } from './limit-text.ts';
export { limitUsage } from './limit-usage.ts';
export type { LimitUsage } from './limit-usage.ts';
export { capacityBlock, capacityText } from './pool-capacity.ts';
export type { CapacityBlock } from './pool-capacity.ts';
