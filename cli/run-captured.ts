import { Readable } from 'node:stream';
import type { CliIo, KeyInput } from './cli-io.ts';
import { runCli } from './main.ts';

/** A `fleet` command running in this process, its output captured. */
export interface CapturedRun {
  /** Resolves with the exit code when the command ends. */
  readonly done: Promise<number>;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Everything written to stderr so far. */
  stderr(): string;
}

/**
 * Starts `fleet <argv>` in this process with captured output, no process signals, and the given
 * environment and standard input (none by default); a long-running command stops when `signal`
 * aborts. `tty` and `keys` stand for a terminal. For tests and for embedding the CLI.
 */
export const runCaptured = (
  argv: readonly string[],
  options: {
    signal?: AbortSignal;
    env?: Record<string, string>;
    /** What standard input holds. */
    stdin?: string;
    /** Act as if standard output were a terminal. */
    tty?: boolean;
    /** Key presses, as from a terminal's standard input. */
    keys?: KeyInput;
  } = {},
): CapturedRun => {
  let out = '';
  let err = '';
  const io: CliIo = {
    stdout: (text) => {
      out += text;
    },
    stderr: (text) => {
      err += text;
    },
    env: options.env ?? {},
    handleSignals: false,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.stdin === undefined ? {} : { stdin: () => Readable.from([options.stdin ?? '']) }),
    ...(options.tty === undefined ? {} : { tty: options.tty }),
    ...(options.keys === undefined ? {} : { keys: options.keys }),
  };
  return { done: runCli(argv, io), stdout: () => out, stderr: () => err };
};
