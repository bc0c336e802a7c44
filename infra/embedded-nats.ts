import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import type { Authenticator } from '@nats-io/transport-node';
import { z } from 'zod';
import {
  isJetStreamReady,
  NatsServerStartError,
  startNatsServer,
  WELL_KNOWN_PORT,
} from './nats-server.ts';
import type { NatsServerHandle } from './nats-server.ts';

/** Options of {@link ensureNats}. */
export interface EnsureNatsOptions {
  /** A NATS server to use as is; default `process.env.NATS_URL`. Empty means none. */
  readonly url?: string;
  /** Where the embedded server keeps its JetStream store (`<dataDir>/nats`); default `.fleet`. */
  readonly dataDir?: string;
  /** Port of the embedded server, exactly (fails when taken). */
  readonly port?: number;
  /** Port tried first when `port` is not given, a free one when it is taken; default 4222. */
  readonly preferredPort?: number;
  /** Extra nats-server arguments. */
  readonly args?: string[];
  /** See `StartNatsServerOptions.detached`: for commands that drain their clients on Ctrl-C. */
  readonly detached?: boolean;
  /** Where to say which server is used; default one line per message on stderr. */
  readonly log?: (line: string) => void;
  /** nats-server executable; default `nats-server` from PATH (plus /usr/sbin, /usr/local/sbin). */
  readonly command?: string;
  /** How probes authenticate, when `args` make the server require it (`fleet up --secure`). */
  readonly authenticator?: Authenticator;
}

/** The NATS server a command talks to. */
export interface EnsuredNats {
  readonly url: string;
  /** True when this call started the server (and `stop()` stops it). */
  readonly embedded: boolean;
  /** Stops the server this call started; a no-op otherwise. Safe to call more than once. */
  stop(): Promise<void>;
}

/** Written next to the store while an embedded server runs, so other commands find it. */
const RunningServer = z.object({ url: z.string(), pid: z.number().int().positive() });
type RunningServer = z.infer<typeof RunningServer>;

const STATE_FILE = 'nats.json';
const stderrLine = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** True when nothing listens on 127.0.0.1:`port` (checked by binding it for a moment). */
const isPortFree = (port: number): Promise<boolean> =>
  new Promise((done) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', () => {
      done(false);
    });
    probe.listen(port, '127.0.0.1', () => {
      probe.close(() => {
        done(true);
      });
    });
  });

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const readState = async (stateFile: string): Promise<RunningServer | undefined> => {
  try {
    const parsed = RunningServer.safeParse(JSON.parse(await readFile(stateFile, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
};

/** The embedded server another Fleet command started on this data dir, if it still runs. */
const runningServer = async (
  stateFile: string,
  authenticator: Authenticator | undefined,
): Promise<RunningServer | undefined> => {
  const state = await readState(stateFile);
  if (state === undefined || !isAlive(state.pid)) return undefined;
  return (await isJetStreamReady(state.url, undefined, authenticator)) ? state : undefined;
};

/**
 * The NATS server a Fleet command uses. With a URL (the option, else `NATS_URL`) it is that
 * server, as is. Otherwise an embedded `nats-server -js` on 127.0.0.1 whose JetStream store
 * lives in `<dataDir>/nats` and is kept across runs: on port 4222 when free, else on a free
 * port (never contending with a server that already owns 4222), and said so through `log`.
 * When another Fleet command already runs an embedded server on the same data dir, that one
 * is used: two servers must never share a store.
 *
 * @throws NatsServerStartError when nats-server is not installed (with how to install it)
 *   or does not start.
 */
export const ensureNats = async (options: EnsureNatsOptions = {}): Promise<EnsuredNats> => {
  const log = options.log ?? stderrLine;
  const given = options.url ?? process.env['NATS_URL'];
  if (given !== undefined && given !== '')
    return { url: given, embedded: false, stop: () => Promise.resolve() };

  const dataDir = resolve(options.dataDir ?? '.fleet');
  const storeDir = join(dataDir, 'nats');
  const stateFile = join(dataDir, STATE_FILE);
  const other = await runningServer(stateFile, options.authenticator);
  if (other !== undefined) {
    log(`nats: using the embedded server already running at ${other.url} (pid ${other.pid})`);
    return { url: other.url, embedded: false, stop: () => Promise.resolve() };
  }
  await mkdir(storeDir, { recursive: true });

  const start = (port: number | undefined): Promise<NatsServerHandle> =>
    startNatsServer({
      storeDir,
      ...(port === undefined ? {} : { port, allowWellKnownPort: true }),
      ...(options.args === undefined ? {} : { args: options.args }),
      ...(options.command === undefined ? {} : { command: options.command }),
      ...(options.authenticator === undefined ? {} : { authenticator: options.authenticator }),
      detached: options.detached ?? false,
    });

  const preferred = options.preferredPort ?? WELL_KNOWN_PORT;
  const fallBack = async () => {
    const s = await start(undefined);
    log(
      `nats: port ${preferred} is taken (another NATS server?), so the embedded server ` +
        `uses port ${s.port}`,
    );
    return s;
  };
  let server: NatsServerHandle;
  if (options.port !== undefined) {
    server = await start(options.port);
  } else if (await isPortFree(preferred)) {
    try {
      server = await start(preferred);
    } catch (error) {
      // Taken between the probe and the bind: fall back as for a taken port.
      if (!(error instanceof NatsServerStartError && /address already in use/i.test(error.message)))
        throw error;
      server = await fallBack();
    }
  } else {
    server = await fallBack();
  }
  log(
    `nats: embedded nats-server at ${server.url}, JetStream data in ${storeDir} ` +
      `(set NATS_URL to use another server)`,
  );
  const pid = server.process.pid;
  if (pid !== undefined)
    await writeFile(stateFile, JSON.stringify({ url: server.url, pid } satisfies RunningServer));

  let stopping: Promise<void> | undefined;
  const stop = async () => {
    await server.stop();
    // Only forget the server if the file still names it (a later run may have replaced it).
    const current = await readState(stateFile);
    if (current?.pid === pid) await rm(stateFile, { force: true });
  };
  return { url: server.url, embedded: true, stop: () => (stopping ??= stop()) };
};
