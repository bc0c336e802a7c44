import type { Readable } from 'node:stream';

/** Where the CLI writes and what it reads from its surroundings; tests pass their own. */
export interface CliIo {
  /** Writes text to standard output as is. */
  readonly stdout: (text: string) => void;
  /** Writes text to standard error as is. */
  readonly stderr: (text: string) => void;
  /** The environment (`NATS_URL`, `FLEET_KEY`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Long-running commands stop when it aborts, as on SIGINT or SIGTERM. */
  readonly signal?: AbortSignal;
  /** Whether long-running commands listen to SIGINT and SIGTERM of this process. */
  readonly handleSignals: boolean;
  /** Standard input (`fleet submit --file -`); none when absent. */
  readonly stdin?: () => Readable;
  /** Whether standard output is a terminal (`fleet top` redraws in place only then). */
  readonly tty?: boolean;
  /** Key presses, when standard input is a terminal (`fleet top` quits on `q`). */
  readonly keys?: KeyInput;
}

/** A terminal's keyboard: a readable stream, put in raw mode while a command reads keys. */
export type KeyInput = NodeJS.ReadableStream & { setRawMode?: (raw: boolean) => unknown };

/** The real process: its streams, environment and signals. */
export const processIo = (): CliIo => ({
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  handleSignals: true,
  stdin: () => process.stdin,
  tty: process.stdout.isTTY,
  ...(process.stdin.isTTY ? { keys: process.stdin } : {}),
});
