import type { z } from 'zod';
import type { TaskSubmitted } from '../events/index.ts';

/**
 * A task as a producer describes it: the `data` of `task.submitted`, fields with defaults
 * optional, and `taskId` optional too (a random UUID when absent). Checked at run time against
 * the contract, so callers in plain JavaScript get the same typed errors.
 */
export type TaskInput = Omit<z.input<typeof TaskSubmitted>['data'], 'taskId'> & {
  readonly taskId?: string;
  /**
   * Start no attempt before this many ms from now (the producer's clock): sets `notBefore`.
   * An integer from 0 to `TaskLimits.maxDelayMs`; not together with `notBefore`.
   */
  readonly delayMs?: number;
};
