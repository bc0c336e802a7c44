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
}

/** The real process: its streams, environment and signals. */
export const processIo = (): CliIo => ({
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  handleSignals: true,
  stdin: () => process.stdin,
});
