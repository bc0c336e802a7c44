import { setTimeout as sleep } from 'node:timers/promises';

/** Settles like `promise`, or rejects with `message` after `ms`; leaves no timer behind. */
export const within = async <T>(promise: Promise<T>, ms: number, message: string): Promise<T> => {
  const timer = new AbortController();
  try {
    return await Promise.race([
      promise,
      sleep(ms, undefined, { signal: timer.signal }).then(
        () => Promise.reject(new Error(message)),
        () => new Promise<never>(() => undefined),
      ),
    ]);
  } finally {
    timer.abort();
  }
};
