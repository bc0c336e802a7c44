import { Readable } from 'node:stream';
import type { CliIo } from './cli-io.ts';
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
 * aborts. For tests and for embedding the CLI.
 */
export const runCaptured = (
  argv: readonly string[],
  options: { signal?: AbortSignal; env?: Record<string, string>; stdin?: string } = {},
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
  };
  return { done: runCli(argv, io), stdout: () => out, stderr: () => err };
};
