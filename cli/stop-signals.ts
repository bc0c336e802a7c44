import type { CliIo } from './cli-io.ts';

/** The requests to stop a long-running command: the first asks for a clean stop, the second insists. */
export interface StopSignals {
  /** Resolves with the signal's name on the first SIGINT or SIGTERM (or when `io.signal` aborts). */
  readonly first: Promise<string>;
  /** Resolves on the second one. */
  readonly second: Promise<string>;
  /** An AbortSignal that aborts on the first request: hand it to whatever is still starting. */
  readonly aborted: AbortSignal;
  /** Stops listening (a stop already asked for still ends the process in time). */
  dispose(): void;
}

/**
 * How long a clean stop may take after the first signal before the process exits anyway. A
 * command that drains to a vanished nats-server would otherwise wait for it forever; an
 * operator (or a supervisor) expects a stop within 5 s.
 */
export const STOP_GRACE_MS = 4_000;

/** Exit codes of a process ended by a signal, as a shell reports them. */
const SIGNAL_EXIT: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Listens for the stop requests of a long-running command. In a real process (`io.handleSignals`)
 * a stop is bounded: the second signal exits at once, and a clean stop still under way after
 * `graceMs` ({@link STOP_GRACE_MS} unless the command lets its user choose, as a worker that
 * finishes its tasks does) gives up, says so, and exits 1 — work in flight was abandoned.
 */
export const stopSignals = (io: CliIo, graceMs = STOP_GRACE_MS): StopSignals => {
  let count = 0;
  let resolveFirst: (name: string) => void = () => undefined;
  let resolveSecond: (name: string) => void = () => undefined;
  const first = new Promise<string>((r) => (resolveFirst = r));
  const second = new Promise<string>((r) => (resolveSecond = r));
  const abort = new AbortController();
  const on = (name: string) => {
    count += 1;
    if (count === 1) {
      resolveFirst(name);
      abort.abort(new Error(`stopped by ${name}`));
      if (io.handleSignals) {
        // Unref'd: a command that stops cleanly exits with its own code, sooner.
        setTimeout(() => {
          io.stderr(
            `could not stop cleanly within ${graceMs / 1000} s of ${name} ` +
              '(is NATS reachable?): exiting, work in flight abandoned\n',
          );
          process.exit(1);
        }, graceMs).unref();
      }
    } else {
      resolveSecond(name);
      if (io.handleSignals) {
        io.stderr(`${name} again: exiting at once\n`);
        // After the listeners of `second` (a worker kills its tasks' processes), nothing else.
        setImmediate(() => process.exit(SIGNAL_EXIT[name] ?? 1));
      }
    }
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
    aborted: abort.signal,
    dispose: () => {
      // A stop asked for keeps its listeners: the second signal must still exit at once.
      if (count === 0) {
        process.off('SIGINT', onSigint);
        process.off('SIGTERM', onSigterm);
      }
      io.signal?.removeEventListener('abort', onAbort);
    },
  };
};
