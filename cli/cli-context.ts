import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Command } from 'commander';
import { EventLog } from '../actors/host/event-log.ts';
import { DEFAULT_ROOT, DEFAULT_STREAM, UnavailableError } from '../events/index.ts';
import type { CliIo } from './cli-io.ts';

/** The URL used when neither `--nats` nor `NATS_URL` says otherwise. */
export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

/** The options every command accepts. */
export interface GlobalOptions {
  /** The NATS URL to use: `--nats`, else `NATS_URL`, else the default. */
  readonly nats: string;
  /** The URL the user chose (`--nats` or `NATS_URL`), if any. */
  readonly natsGiven: string | undefined;
  readonly root: string;
  readonly stream: string;
}

/** What every command shares: output, the exit code, global options and connections. */
export class CliContext {
  /** The process's exit code once the command has run. */
  exitCode = 0;

  constructor(readonly io: CliIo) {}

  /** Writes one line to standard output. */
  print(line: string): void {
    this.io.stdout(`${line}\n`);
  }

  /** Writes one line to standard error. */
  warn(line: string): void {
    this.io.stderr(`${line}\n`);
  }

  /** The global options as a command sees them. */
  globals(cmd: Command): GlobalOptions {
    const o = cmd.optsWithGlobals<{ nats?: string; root?: string; stream?: string }>();
    const env = this.io.env['NATS_URL'];
    const natsGiven = o.nats ?? (env === undefined || env === '' ? undefined : env);
    return {
      nats: natsGiven ?? DEFAULT_NATS_URL,
      natsGiven,
      root: o.root ?? DEFAULT_ROOT,
      stream: o.stream ?? DEFAULT_STREAM,
    };
  }

  /**
   * Connects to NATS. A one-shot command gives up at once when the server is not there; a
   * long-running one (`longLived`) keeps reconnecting through outages.
   */
  async connect(url: string, options: { longLived?: boolean; name?: string } = {}) {
    try {
      return await connect({
        servers: url,
        name: options.name ?? 'fleet-cli',
        timeout: 5_000,
        ...(options.longLived === true
          ? { maxReconnectAttempts: -1 }
          : { maxReconnectAttempts: 0, reconnect: false }),
      });
    } catch (cause) {
      throw new UnavailableError(`cannot connect to NATS at ${url}`, { cause });
    }
  }

  /** Runs `fn` with a connection, closing it after. */
  async withNats<T>(
    cmd: Command,
    fn: (nc: NatsConnection, g: GlobalOptions) => Promise<T>,
  ): Promise<T> {
    const g = this.globals(cmd);
    const nc = await this.connect(g.nats);
    try {
      return await fn(nc, g);
    } finally {
      await nc.close();
    }
  }

  /** Runs `fn` with the event log (the stream is created when missing), closing it after. */
  withLog<T>(cmd: Command, fn: (log: EventLog, g: GlobalOptions) => Promise<T>): Promise<T> {
    return this.withNats(cmd, async (nc, g) =>
      fn(await EventLog.open(nc, { stream: g.stream, root: g.root }), g),
    );
  }
}
