import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InvalidInputError } from '../client/invalid-input-error.ts';

// Read by every command before it connects: plain JSON checked by hand, so that the help and a
// command's start do not load zod for it.

/**
 * Where `fleet up` said its fleet is: what every other command connects to when neither
 * `--nats` nor `NATS_URL` says otherwise. No secret: only the path of the creds file.
 */
export interface FleetContext {
  /** The NATS URL of the fleet. */
  readonly url: string;
  /** Secure mode: the operator's `.creds` file (a path; the file itself stays 0600). */
  readonly creds?: string;
  /** The data dir of `fleet up` (the embedded server's store, secure mode's keys). */
  readonly dataDir: string;
  readonly root: string;
  readonly stream: string;
  /** The process of `fleet up` that wrote it: when it is gone, the context is stale. */
  readonly pid: number;
}

/**
 * The context file: `$FLEET_HOME/context.json`, else `~/.fleet/context.json` (from `HOME` in
 * `env`); none when neither is set (an embedded CLI, a test), so nothing is read or written.
 */
export const contextFile = (env: Readonly<Record<string, string | undefined>>) => {
  const home = env['FLEET_HOME'];
  if (home !== undefined && home !== '') return join(home, 'context.json');
  const user = env['HOME'];
  return user === undefined || user === '' ? undefined : join(user, '.fleet', 'context.json');
};

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const text = (v: unknown): v is string => typeof v === 'string' && v !== '';

/** What a context file says, or why it cannot be used. */
export type ContextRead =
  | { readonly ok: true; readonly context: FleetContext }
  | { readonly ok: false; readonly why: 'missing' | 'stale' | 'invalid'; readonly pid?: number };

/** Reads the context in `file`: `stale` when the `fleet up` that wrote it no longer runs. */
export const readContext = (file: string): ContextRead => {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return {
      ok: false,
      why: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'invalid',
    };
  }
  if (typeof raw !== 'object' || raw === null) return { ok: false, why: 'invalid' };
  const r = raw as Record<string, unknown>;
  if (
    !text(r['url']) ||
    !text(r['dataDir']) ||
    !text(r['root']) ||
    !text(r['stream']) ||
    !Number.isSafeInteger(r['pid']) ||
    (r['creds'] !== undefined && !text(r['creds']))
  )
    return { ok: false, why: 'invalid' };
  const pid = r['pid'] as number;
  if (!isAlive(pid)) return { ok: false, why: 'stale', pid };
  return {
    ok: true,
    context: {
      url: r['url'],
      dataDir: r['dataDir'],
      root: r['root'],
      stream: r['stream'],
      pid,
      ...(text(r['creds']) ? { creds: r['creds'] } : {}),
    },
  };
};

/**
 * Reads a context the user named with `--context`: unlike the default file, one that is
 * missing, stale or invalid is an error. Throws `InvalidInputError`.
 */
export const readChosenContext = (file: string): FleetContext => {
  const r = readContext(file);
  if (r.ok) return r.context;
  const why =
    r.why === 'missing'
      ? 'no such file'
      : r.why === 'stale'
        ? `stale: the fleet up that wrote it (pid ${r.pid ?? '?'}) is not running`
        : 'not a Fleet context';
  throw new InvalidInputError('--context', `--context ${file}: ${why}`);
};

/** Writes the context, readable by its owner alone (mode 0600), replacing any other whole. */
export const writeContext = (file: string, context: FleetContext): void => {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const part = `${file}.${process.pid}.tmp`;
  writeFileSync(part, `${JSON.stringify(context, null, 2)}\n`, { mode: 0o600 });
  chmodSync(part, 0o600);
  renameSync(part, file);
};

/** Removes the context if it is still the one `pid` wrote (a later `fleet up` may own it now). */
export const removeContext = (file: string, pid: number): void => {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return;
  }
  if (typeof raw === 'object' && raw !== null && (raw as { pid?: unknown }).pid === pid)
    rmSync(file, { force: true });
};
