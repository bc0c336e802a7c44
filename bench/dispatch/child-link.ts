import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** One JSON line a bench child printed on stdout: `{ "type": ..., ... }`. */
export type ChildMessage = { readonly type: string } & Record<string, unknown>;

/** A running bench child: JSON commands in on stdin, JSON messages out on stdout. */
export interface ChildLink {
  readonly pid: number;
  /** Sends one command line. */
  send(command: Record<string, unknown>): void;
  /** The next message of `type` not taken yet (maybe already received); rejects on timeout or exit. */
  next(type: string, timeoutMs: number): Promise<ChildMessage>;
  /** Asks the child to stop, then kills it if it has not exited within `timeoutMs`. */
  stop(timeoutMs: number): Promise<void>;
}

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const MAX_STDERR = 16 * 1024;

/** Every child still running; killed when this process exits, however it exits. */
const live = new Set<ChildProcess>();
let hooked = false;
const track = (child: ChildProcess) => {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
};

/**
 * Spawns `node --import tsx <script> <json args>` from the repository root (a separate process,
 * so its event loop and CPU are its own) and links to it. The child must print JSON lines and
 * read JSON commands from stdin, and exit when stdin closes.
 */
export const spawnChild = (script: string, args: unknown): ChildLink => {
  // BENCH_CPU_PROF=<dir> writes a V8 CPU profile of each child there, for finding hot spots.
  const profile = process.env['BENCH_CPU_PROF'];
  const child = spawn(
    process.execPath,
    [
      ...(profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profile}`]),
      '--import',
      'tsx',
      fileURLToPath(new URL(script, import.meta.url)),
      JSON.stringify(args),
    ],
    { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  track(child);
  const pid = child.pid ?? -1;
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-MAX_STDERR);
  });
  const inbox: ChildMessage[] = [];
  const waiters = new Set<{ type: string; resolve: (m: ChildMessage) => void }>();
  const failures = new Set<(e: Error) => void>();
  let exitError: Error | undefined;

  createInterface({ input: child.stdout }).on('line', (line) => {
    let m: unknown;
    try {
      m = JSON.parse(line);
    } catch {
      stderr = (stderr + line + '\n').slice(-MAX_STDERR);
      return;
    }
    if (typeof m !== 'object' || m === null || typeof (m as ChildMessage).type !== 'string') return;
    const message = m as ChildMessage;
    for (const w of waiters)
      if (w.type === message.type) {
        waiters.delete(w);
        w.resolve(message);
        return;
      }
    inbox.push(message);
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitError = new Error(
        `bench child ${script} exited (${signal ?? `code ${String(code)}`})\n${stderr}`,
      );
      for (const f of failures) f(exitError);
      resolve();
    });
  });
  child.stdin.on('error', () => undefined);

  return {
    pid,
    send: (command) => {
      if (child.exitCode === null && child.signalCode === null)
        child.stdin.write(`${JSON.stringify(command)}\n`);
    },
    next: (type, timeoutMs) => {
      const i = inbox.findIndex((m) => m.type === type);
      if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0] as ChildMessage);
      if (exitError !== undefined) return Promise.reject(exitError);
      return new Promise<ChildMessage>((resolve, reject) => {
        const w = {
          type,
          resolve: (m: ChildMessage) => {
            clearTimeout(timer);
            failures.delete(fail);
            resolve(m);
          },
        };
        const fail = (e: Error) => {
          clearTimeout(timer);
          waiters.delete(w);
          reject(e);
        };
        const timer = setTimeout(() => {
          fail(new Error(`no "${type}" from ${script} within ${timeoutMs} ms\n${stderr}`));
        }, timeoutMs);
        waiters.add(w);
        failures.add(fail);
      });
    },
    stop: async (timeoutMs) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin.write(`${JSON.stringify({ cmd: 'stop' })}\n`);
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
};
