import type { FleetError } from '../../events/index.ts';

/**
 * A promise settled from outside: `settle()` resolves it, `settle(error)` rejects it. Its
 * rejection is marked handled (never an unhandled rejection); whoever awaits it still sees it.
 */
export const settlement = (): {
  readonly done: Promise<void>;
  readonly settle: (error: FleetError | undefined) => void;
} => {
  let settle: (error: FleetError | undefined) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    settle = (error) => {
      if (error === undefined) resolve();
      else reject(error);
    };
  });
  done.catch(() => undefined);
  return { done, settle };
};
