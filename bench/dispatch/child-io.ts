import { createInterface } from 'node:readline';

/** A command a bench parent sends its child: `{ "cmd": ..., ... }`. */
export type ChildCommand = { readonly cmd: string } & Record<string, unknown>;

/** Prints one JSON message line for the parent. */
export const emit = (message: { type: string } & Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(message)}\n`);
};

/**
 * A clock every process on the machine shares, in ms with sub-microsecond resolution: the
 * monotonic clock (CLOCK_MONOTONIC on Linux). Not `performance.timeOrigin + now()`: a process
 * descheduled while Node samples its time origin starts with an origin several ms off.
 */
export const sharedClockMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/**
 * Runs `onCommand` for each command line on stdin. When stdin closes (the parent stopped or
 * died) `onClose` runs; after `maxLifeMs` the process exits whatever happens, so a bench child
 * is never left behind.
 */
export const readCommands = (
  onCommand: (command: ChildCommand) => void,
  onClose: () => void,
  maxLifeMs: number,
): void => {
  setTimeout(() => {
    process.stderr.write(`bench child: lifetime of ${maxLifeMs} ms is over, exiting\n`);
    process.exit(3);
  }, maxLifeMs).unref();
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    let command: unknown;
    try {
      command = JSON.parse(line);
    } catch {
      return;
    }
    if (typeof command === 'object' && command !== null && 'cmd' in command)
      onCommand(command as ChildCommand);
  });
  lines.on('close', onClose);
};
