import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

let home: string | undefined;
/** This test process's `FLEET_HOME`, where a spawned `fleet up` writes its context. */
const testHome = (): string => (home ??= mkdtempSync(join(tmpdir(), 'fleet-home-')));

/** The installed `fleet` binary, as an operator runs it. */
const BIN = fileURLToPath(new URL('../../bin/fleet.mjs', import.meta.url));

/** A `fleet` command running in a process of its own. */
export interface SpawnedFleet {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited, with its code (null when a signal killed it). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once stdout or stderr matches `pattern`; rejects if the process exits first. */
  waitFor(pattern: RegExp): Promise<void>;
}

/** Runs `node bin/fleet.mjs <args>` — signals reach it directly, as they do the installed binary. */
export const spawnFleet = (
  args: readonly string[],
  env: Record<string, string> = {},
): SpawnedFleet => {
  const child = spawn(process.execPath, [BIN, ...args], {
    // A context file of its own: never the user's ~/.fleet, never another test run's.
    env: { ...process.env, FLEET_HOME: testHome(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const seen = () => {
    for (const w of [...waiters]) w();
  };
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    seen();
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    seen();
  });
  const exited = once(child, 'exit').then(([code, signal]) => {
    seen();
    return { code: code as number | null, signal: signal as NodeJS.Signals | null };
  });
  let ended = false;
  void exited.then(() => (ended = true));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor: (pattern) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pattern.test(out) || pattern.test(err)) {
            waiters.delete(check);
            resolve();
          } else if (ended || child.exitCode !== null || child.signalCode !== null) {
            waiters.delete(check);
            reject(new Error(`fleet ${args.join(' ')} exited before ${pattern}:\n${out}\n${err}`));
          }
        };
        waiters.add(check);
        check();
      }),
  };
};
