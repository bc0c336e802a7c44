import type * as Nats from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Command } from 'commander';
import type { EventLog } from '../log/index.ts';
import { NotFoundError, RefusedError, UnavailableError } from '../events/errors.ts';
import { DEFAULT_ROOT, DEFAULT_STREAM } from '../events/names.ts';
import type { UserCredentials } from '../security/user-credentials.ts';
import type { CliIo } from './cli-io.ts';
import { contextFile, readChosenContext, readContext } from './fleet-context.ts';
import type { FleetContext } from './fleet-context.ts';

// Every command's module loads this one, and `fleet --help` loads every command's module: the
// NATS client, the event log and the credentials reader are imported when first used, so that
// the help (and a command that fails its option checks) starts without them.

/** The URL used when neither `--nats`, `NATS_URL` nor a context says otherwise. */
export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

/** Commands that make the context rather than use one. */
const MAKES_CONTEXT = new Set(['up']);
/**
 * Commands that never take the context's creds (the operator's): a worker, an untrusted party,
 * connects on its own (`--creds` with the enrollment creds), never silently as the operator.
 */
const OWN_CREDS = new Set(['worker']);

/** The options every command accepts. */
export interface GlobalOptions {
  /**
   * The NATS URL to use: `--nats`, else `NATS_URL`, else the context (`--context`, else the
   * context file `fleet up` wrote), else the default.
   */
  readonly nats: string;
  /** Which of those chose it, for messages: `--nats`, `NATS_URL`, a context file, `default`. */
  readonly natsFrom: string;
  /** The URL the user chose (`--nats` or `NATS_URL`), if any. */
  readonly natsGiven: string | undefined;
  /** The subject root: `--root`, else the context's, else the default. */
  readonly root: string;
  /** The stream: `--stream`, else the context's, else the default. */
  readonly stream: string;
  /**
   * The `.creds` file connections authenticate with: `--creds`, else `NATS_CREDS`, else the
   * context's (when the URL is the context's); else none.
   */
  readonly creds: CredsChoice | undefined;
  /** The context in use, when the URL came from one. */
  readonly context: FleetContext | undefined;
}

/** A `.creds` file chosen for the connections, and which option chose it (for messages). */
export interface CredsChoice {
  readonly path: string;
  readonly option: '--creds' | 'NATS_CREDS' | 'the context';
}

/** Whether `error`, or its cause, is the server refusing the credentials. */
const isAuthRefusal = (error: unknown, nats: typeof Nats): error is Error => {
  for (let e: unknown = error, i = 0; i < 4 && e instanceof Error; i++, e = e.cause)
    if (e instanceof nats.AuthorizationError || e instanceof nats.UserAuthenticationExpiredError)
      return true;
  return false;
};

/** What every command shares: output, the exit code, global options and connections. */
export class CliContext {
  /** The process's exit code once the command has run. */
  exitCode = 0;
  /** The creds file of the command being run; see `useGlobals`. */
  #creds: CredsChoice | undefined;
  /** Its credentials, read once. */
  #credentials: Promise<UserCredentials> | undefined;
  /** Whether a stale context file was said already. */
  #warnedStale = false;
  /** Where the URL of the command being run came from, for the message when it is not there. */
  #natsFrom = '';

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
    const o = cmd.optsWithGlobals<{
      nats?: string;
      root?: string;
      stream?: string;
      creds?: string;
      context?: string;
    }>();
    const env = this.io.env['NATS_URL'];
    const fromEnv = env === undefined || env === '' ? undefined : env;
    const natsGiven = o.nats ?? fromEnv;
    const found =
      natsGiven === undefined && !MAKES_CONTEXT.has(cmd.name())
        ? this.#context(o.context)
        : undefined;
    const context = found?.context;
    // An option the user typed beats the context; its default does not.
    let program = cmd;
    while (program.parent !== null) program = program.parent;
    const typed = (name: string) => program.getOptionValueSource(name) === 'cli';
    const credsEnv = this.io.env['NATS_CREDS'];
    const creds: CredsChoice | undefined =
      o.creds !== undefined
        ? { path: o.creds, option: '--creds' }
        : credsEnv !== undefined && credsEnv !== ''
          ? { path: credsEnv, option: 'NATS_CREDS' }
          : context?.creds === undefined || OWN_CREDS.has(cmd.name())
            ? undefined
            : { path: context.creds, option: 'the context' };
    return {
      nats: natsGiven ?? context?.url ?? DEFAULT_NATS_URL,
      natsFrom:
        o.nats !== undefined
          ? '--nats'
          : fromEnv !== undefined
            ? 'NATS_URL'
            : found === undefined
              ? 'the default'
              : `the context in ${found.file}`,
      natsGiven,
      root: (typed('root') ? o.root : context?.root) ?? o.root ?? DEFAULT_ROOT,
      stream: (typed('stream') ? o.stream : context?.stream) ?? o.stream ?? DEFAULT_STREAM,
      creds,
      context,
    };
  }

  /**
   * The context to use: the file named by `--context` (which must be live), else the context
   * file of `fleet up` when there is a live one; a stale one is said once, then ignored.
   */
  #context(chosen: string | undefined): { file: string; context: FleetContext } | undefined {
    if (chosen !== undefined) return { file: chosen, context: readChosenContext(chosen) };
    const file = contextFile(this.io.env);
    if (file === undefined) return undefined;
    const r = readContext(file);
    if (r.ok) return { file, context: r.context };
    if (r.why !== 'missing' && !this.#warnedStale) {
      this.#warnedStale = true;
      this.warn(
        `fleet: ignoring the context in ${file}: ` +
          (r.why === 'stale'
            ? `the fleet up that wrote it (pid ${r.pid ?? '?'}) is not running`
            : 'not a Fleet context'),
      );
    }
    return undefined;
  }

  /**
   * Takes the credentials of the command about to run (`--creds`, `NATS_CREDS`): every
   * connection `connect` makes from then on authenticates with them. `buildProgram` calls it
   * before each command's action, so no command can forget them.
   */
  useGlobals(cmd: Command): void {
    const g = this.globals(cmd);
    this.#natsFrom = g.natsFrom;
    const creds = g.creds;
    if (creds?.path !== this.#creds?.path) this.#credentials = undefined;
    this.#creds = creds;
  }

  /**
   * The user credentials connections authenticate with, read from the creds file once;
   * undefined when none is chosen. Throws `InvalidInputError` for a missing, unreadable,
   * malformed or expired file (never quoting it: it holds a seed).
   */
  credentials(): Promise<UserCredentials | undefined> {
    const chosen = this.#creds;
    if (chosen === undefined) return Promise.resolve(undefined);
    this.#credentials ??= import('../security/read-creds-file.ts').then(({ readCredsFile }) =>
      readCredsFile(chosen.path, chosen.option),
    );
    return this.#credentials;
  }

  /**
   * Connects to NATS, as the user of `creds` when given, else of the chosen creds file (see
   * `credentials`): with its authenticator and its own inbox prefix, the only reply subjects an
   * untrusted user may subscribe to. A one-shot command gives up at once when the server is not
   * there; a long-running one (`longLived`) keeps reconnecting through outages. Throws
   * `RefusedError('authorization')` when the server refuses the credentials.
   */
  async connect(
    url: string,
    options: { longLived?: boolean; name?: string; creds?: UserCredentials } = {},
  ) {
    const creds = options.creds ?? (await this.credentials());
    const nats = await import('@nats-io/transport-node');
    try {
      return await nats.connect({
        // A cluster's servers, comma-separated: the client fails over between them.
        servers: url.split(','),
        name: options.name ?? 'fleet-cli',
        timeout: 5_000,
        ...(creds === undefined ? {} : creds.connectOptions()),
        // A service's connection makes requests all day: nats.js would build an Error per
        // request for its async stack trace, a tenth of a worker's CPU. Our errors are typed.
        ...(options.longLived === true
          ? // Back within half a second of a server's return, or on another of a cluster's.
            { maxReconnectAttempts: -1, reconnectTimeWait: 500, noAsyncTraces: true }
          : { maxReconnectAttempts: 0, reconnect: false }),
      });
    } catch (cause) {
      if (creds !== undefined && isAuthRefusal(cause, nats)) {
        const from =
          options.creds !== undefined || this.#creds === undefined ? '' : ` in ${this.#creds.path}`;
        throw new RefusedError(
          'authorization',
          `the NATS server at ${url} refused the credentials${from} (${cause.message})`,
          { cause },
        );
      }
      const from = this.#natsFrom.startsWith('the context') ? ` (from ${this.#natsFrom})` : '';
      throw new UnavailableError(`cannot reach NATS at ${url}${from}`, { cause });
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

  /**
   * Runs `fn` with the event log, closing it after. A command that writes (`write: true`)
   * creates the stream when missing; one that reads never does, and says there is no Fleet.
   */
  withLog<T>(
    cmd: Command,
    fn: (log: EventLog, g: GlobalOptions) => Promise<T>,
    options: { readonly write: boolean } = { write: false },
  ): Promise<T> {
    return this.withNats(cmd, async (nc, g) =>
      fn(await this.openLog(nc, g, { create: options.write }), g),
    );
  }

  /**
   * Opens the event log of `g` on `nc`. Unless `create`, a missing stream is
   * `NotFoundError('no Fleet at <url>')`: a reader never makes a deployment appear.
   */
  async openLog(
    nc: NatsConnection,
    g: Pick<GlobalOptions, 'nats' | 'root' | 'stream'>,
    options: { readonly create?: boolean } = {},
  ): Promise<EventLog> {
    const { EventLog } = await import('../log/index.ts');
    const create = options.create ?? false;
    try {
      return await EventLog.open(nc, { stream: g.stream, root: g.root, create });
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
      throw new NotFoundError(
        `no Fleet at ${g.nats} (no stream ${g.stream}; start one with fleet up, or point ` +
          '--nats, NATS_URL or --context at one)',
        { cause: e },
      );
    }
  }
}
