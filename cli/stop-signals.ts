import type { CliIo } from './cli-io.ts';

/** The requests to stop a long-running command: the first asks for a clean stop, the second insists. */
export interface StopSignals {
  /** Resolves with the signal's name on the first SIGINT or SIGTERM (or when `io.signal` aborts). */
  readonly first: Promise<string>;
  /** Resolves on the second one. */
  readonly second: Promise<string>;
  /** Stops listening. */
  dispose(): void;
}

/** Listens for the stop requests of a long-running command. */
export const stopSignals = (io: CliIo): StopSignals => {
  let count = 0;
  let resolveFirst: (name: string) => void = () => undefined;
  let resolveSecond: (name: string) => void = () => undefined;
  const first = new Promise<string>((r) => (resolveFirst = r));
  const second = new Promise<string>((r) => (resolveSecond = r));
  const on = (name: string) => {
    count += 1;
    if (count === 1) resolveFirst(name);
    else resolveSecond(name);
  };
  const onSigint = () => {
    on('SIGINT');
  };
  const onSigterm = () => {
    on('SIGTERM');
  };
  const onAbort = () => {
    on('abort');
  };
  if (io.handleSignals) {
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigterm);
  }
  if (io.signal?.aborted === true) on('abort');
  else io.signal?.addEventListener('abort', onAbort, { once: true });
  return {
    first,
    second,
    dispose: () => {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
      io.signal?.removeEventListener('abort', onAbort);
    },
  };
};
