/**
 * Starting a local `nats-server -js` from PATH (plus /usr/sbin and /usr/local/sbin, where Debian
 * installs it): used by the CLI's embedded default (`ensureNats`) and by the test harness.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { Authenticator } from '@nats-io/transport-node';

/** Host every server started here binds to. Never 0.0.0.0: a local server is not for the network. */
const HOST = '127.0.0.1';
/**
 * The well-known NATS port. A shared JetStream server may already use it, so it is refused
 * unless `allowWellKnownPort` is set and never handed out by {@link findFreePort}.
 */
export const WELL_KNOWN_PORT = 4222;
/** How long to wait between readiness probes. */
const POLL_INTERVAL_MS = 50;
/** Keep at most this many characters of server output for error messages. */
const MAX_LOG_CHARS = 64 * 1024;
/** How many times to pick a new port when the chosen one was taken before the server bound it. */
const MAX_PORT_ATTEMPTS = 5;

/** Options for {@link startNatsServer}. */
export interface StartNatsServerOptions {
  /**
   * Extra command-line arguments, appended after the harness defaults
   * (`-js -a 127.0.0.1 -p <port> -sd <storeDir>`).
   */
  args?: string[];
  /**
   * Listen on this port instead of a random free one (e.g. to restart a stopped server
   * on the same URL). No retry on a port clash when set.
   */
  port?: number;
  /**
   * Allow `port` to be the well-known 4222. Off by default, so tests can never start or probe
   * a server where a shared one may live; `ensureNats` sets it when 4222 is free.
   */
  allowWellKnownPort?: boolean;
  /**
   * Use this JetStream store directory instead of a fresh temp dir (e.g. to restart a
   * server on the data of a stopped one). A directory passed here is NOT removed by `stop()`.
   */
  storeDir?: string;
  /**
   * Run the server in its own process group, so a terminal's Ctrl-C reaches only this process,
   * which can then drain its clients before calling `stop()`. The server is still killed when
   * this process exits, but not when it dies of an unhandled signal. Default false.
   */
  detached?: boolean;
  /** Executable to run; looked up on PATH (plus /usr/sbin and /usr/local/sbin). Default `nats-server`. */
  command?: string;
  /** Overall time to wait for the server to accept connections with JetStream ready. Default 15 s. */
  startTimeoutMs?: number;
  /** Time `stop()` waits after SIGTERM before sending SIGKILL. Default 5 s. */
  stopTimeoutMs?: number;
  /**
   * How the readiness probe authenticates, for a server that requires it (a `-c` config with
   * an operator JWT, say): a user allowed `$JS.API.INFO`. Default none.
   */
  authenticator?: Authenticator;
}

/** A running nats-server started by {@link startNatsServer}. */
export interface NatsServerHandle {
  /** Client URL, e.g. `nats://127.0.0.1:34567`. */
  readonly url: string;
  /** TCP port the server listens on (bound to 127.0.0.1 only). */
  readonly port: number;
  /** JetStream store directory (`-sd`). */
  readonly storeDir: string;
  /** The nats-server child process, e.g. to `kill('SIGKILL')` it in a failure test. */
  readonly process: ChildProcess;
  /** Everything the server wrote to stdout/stderr so far (truncated to the last 64 KiB). */
  output(): string;
  /**
   * Stops the server: SIGTERM, then SIGKILL if it has not exited within `stopTimeoutMs`;
   * resolves once the process has exited and the temp store dir (if the harness created it)
   * is removed. Safe to call more than once, and after the process was killed externally.
   */
  stop(): Promise<void>;
}

/** Error thrown when a nats-server cannot be started or does not become ready. */
export class NatsServerStartError extends Error {
  override readonly name = 'NatsServerStartError';
}

/**
 * Returns a TCP port that was free on 127.0.0.1 a moment ago (by binding port 0 and
 * closing the listener). Another process may grab it before it is used; callers retry.
 */
export async function findFreePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.unref();
      srv.once('error', reject);
      srv.listen(0, HOST, () => {
        const address = srv.address();
        if (address === null || typeof address === 'string') {
          srv.close();
          reject(new Error(`unexpected listener address ${String(address)}`));
          return;
        }
        srv.close((err) => {
          if (err) reject(err);
          else resolve(address.port);
        });
      });
    });
    if (port !== WELL_KNOWN_PORT) return port;
  }
}

/** Exit status of a finished child process, or the error that prevented it from spawning. */
type ExitInfo =
  | { kind: 'exit'; code: number | null; signal: NodeJS.Signals | null }
  | { kind: 'error'; error: Error };

/** A spawned nats-server that may or may not be ready yet. */
interface Spawned {
  child: ChildProcess;
  /** Resolves (never rejects) once the process has exited and its stdio is closed, or failed to spawn. */
  exited: Promise<ExitInfo>;
  /** Set once `exited` has resolved. */
  exitInfo(): ExitInfo | undefined;
  output(): string;
}

function withSbinOnPath(path: string | undefined): string {
  const parts = (path ?? '').split(delimiter).filter((p) => p !== '');
  for (const dir of ['/usr/local/sbin', '/usr/sbin']) {
    if (!parts.includes(dir)) parts.push(dir);
  }
  return parts.join(delimiter);
}

function spawnServer(command: string, args: string[], detached: boolean): Spawned {
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached,
    env: { ...process.env, PATH: withSbinOnPath(process.env.PATH) },
  });
  let log = '';
  const append = (chunk: Buffer): void => {
    log += chunk.toString('utf8');
    if (log.length > MAX_LOG_CHARS) log = log.slice(-MAX_LOG_CHARS);
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);

  let info: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('error', (error) => {
      // 'error' is emitted when spawning fails (e.g. ENOENT); 'close' may or may not follow.
      info ??= { kind: 'error', error };
      resolve(info);
    });
    child.once('close', (code, signal) => {
      info ??= { kind: 'exit', code, signal };
      resolve(info);
    });
  });
  return { child, exited, exitInfo: () => info, output: () => log };
}

function describeExit(info: ExitInfo): string {
  if (info.kind === 'error') return `failed to spawn: ${info.error.message}`;
  return info.signal !== null
    ? `was killed by ${info.signal}`
    : `exited with code ${String(info.code)}`;
}

/**
 * True once `url` accepts a connection and answers a JetStream account-info request. When
 * `serverName` is given, the server reached must carry that name: this guards against probing
 * some other server that grabbed the port while ours failed to bind it.
 */
export async function isJetStreamReady(
  url: string,
  serverName: string | undefined,
  authenticator: Authenticator | undefined,
): Promise<boolean> {
  let nc;
  try {
    nc = await connect({
      servers: url,
      reconnect: false,
      timeout: 1_000,
      ...(authenticator === undefined ? {} : { authenticator }),
    });
  } catch {
    return false;
  }
  try {
    if (serverName !== undefined && nc.info?.server_name !== serverName) return false;
    const jsm = await jetstreamManager(nc, { timeout: 1_000 });
    await jsm.getAccountInfo();
    return true;
  } catch {
    return false;
  } finally {
    await nc.close();
  }
}

/** Resolves once the process exited (true) or after `ms` (false). */
async function exitedWithin(spawned: Spawned, ms: number): Promise<boolean> {
  const timer = new AbortController();
  try {
    return await Promise.race([
      spawned.exited.then(() => true),
      sleep(ms, false, { signal: timer.signal }),
    ]);
  } finally {
    timer.abort();
  }
}

/** Servers not yet stopped; SIGKILLed if this process exits without running teardown. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function trackLive(child: ChildProcess): void {
  live.add(child);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });
}

async function kill(spawned: Spawned, stopTimeoutMs: number): Promise<void> {
  if (spawned.exitInfo() !== undefined) return;
  spawned.child.kill('SIGTERM');
  if (await exitedWithin(spawned, stopTimeoutMs)) return;
  spawned.child.kill('SIGKILL');
  await spawned.exited;
}

/**
 * Starts a private `nats-server` with JetStream enabled, listening on 127.0.0.1 only, on a
 * random free port (never 4222 unless asked for) with a fresh temp store dir (or `storeDir`), and waits until it accepts
 * connections and answers JetStream account-info requests.
 *
 * Rejects with a {@link NatsServerStartError} carrying the server's output if nats-server is
 * not installed, exits early, or is not ready within `startTimeoutMs`; nothing is left running
 * and the temp dir is removed in that case.
 *
 * @example
 * const server = await startNatsServer();
 * try { ... connect({ servers: server.url }) ... } finally { await server.stop(); }
 */
export async function startNatsServer(
  options: StartNatsServerOptions = {},
): Promise<NatsServerHandle> {
  if (options.port === WELL_KNOWN_PORT && options.allowWellKnownPort !== true) {
    throw new NatsServerStartError(
      `port ${WELL_KNOWN_PORT} is reserved for the shared server; never start or probe a test server there ` +
        `(pass allowWellKnownPort to use it on purpose)`,
    );
  }
  const command = options.command ?? 'nats-server';
  const startTimeoutMs = options.startTimeoutMs ?? 15_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 5_000;
  const ownsStoreDir = options.storeDir === undefined;
  const storeDir = options.storeDir ?? (await mkdtemp(join(tmpdir(), 'fleet-nats-')));
  const deadline = Date.now() + startTimeoutMs;
  const extraArgs = options.args ?? [];
  // Name the server so readiness probes can tell it apart, unless the caller names it.
  const nameArg = /^--?(n|name|server_name)(=|$)/;
  const serverName = extraArgs.some((a) => nameArg.test(a))
    ? undefined
    : `fleet-${process.pid}-${randomUUID().slice(0, 8)}`;

  let lastFailure = '';
  try {
    const attempts = options.port === undefined ? MAX_PORT_ATTEMPTS : 1;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const port = options.port ?? (await findFreePort());
      const url = `nats://${HOST}:${port}`;
      const args = [
        '-js',
        '-a',
        HOST,
        '-p',
        String(port),
        '-sd',
        storeDir,
        ...(serverName === undefined ? [] : ['--server_name', serverName]),
        ...extraArgs,
      ];
      const spawned = spawnServer(command, args, options.detached ?? false);

      for (;;) {
        const info = spawned.exitInfo();
        if (info !== undefined) {
          if (info.kind === 'error') {
            const code = (info.error as NodeJS.ErrnoException).code;
            throw new NatsServerStartError(
              code === 'ENOENT'
                ? `'${command}' was not found on PATH (${withSbinOnPath(process.env.PATH)}). ` +
                    `Install it: 'apt-get install nats-server' (Debian/Ubuntu), 'brew install nats-server' ` +
                    `(macOS), or a release from https://github.com/nats-io/nats-server/releases.`
                : `could not run '${command}': ${info.error.message}`,
              { cause: info.error },
            );
          }
          lastFailure =
            `nats-server (${[command, ...args].join(' ')}) ${describeExit(info)} before it was ready.\n` +
            `--- server output ---\n${spawned.output()}`;
          // Port race (someone took the random port after findFreePort): try another one.
          if (options.port === undefined && /address already in use/i.test(spawned.output())) {
            break;
          }
          throw new NatsServerStartError(lastFailure);
        }
        if (await isJetStreamReady(url, serverName, options.authenticator)) {
          return makeHandle(spawned, url, port, storeDir, ownsStoreDir, stopTimeoutMs);
        }
        if (Date.now() >= deadline) {
          await kill(spawned, stopTimeoutMs);
          throw new NatsServerStartError(
            `nats-server (${[command, ...args].join(' ')}) did not become ready with JetStream ` +
              `within ${startTimeoutMs} ms.\n--- server output ---\n${spawned.output()}`,
          );
        }
        await exitedWithin(spawned, POLL_INTERVAL_MS);
      }
    }
    throw new NatsServerStartError(`gave up after ${attempts} port attempts.\n${lastFailure}`);
  } catch (error) {
    if (ownsStoreDir) await rm(storeDir, { recursive: true, force: true });
    throw error;
  }
}

function makeHandle(
  spawned: Spawned,
  url: string,
  port: number,
  storeDir: string,
  ownsStoreDir: boolean,
  stopTimeoutMs: number,
): NatsServerHandle {
  trackLive(spawned.child);
  let stopping: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    await kill(spawned, stopTimeoutMs);
    live.delete(spawned.child);
    if (ownsStoreDir) await rm(storeDir, { recursive: true, force: true });
  };

  return {
    url,
    port,
    storeDir,
    process: spawned.child,
    output: () => spawned.output(),
    stop: () => (stopping ??= stop()),
  };
}
