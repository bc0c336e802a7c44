import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdir, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { UnavailableError } from '../events/index.ts';

/** Options of {@link withDirLock}. */
export interface DirLockOptions {
  /** How long to wait for the lock before giving up; default 45 s (past `staleMs`). */
  readonly waitMs?: number;
  /**
   * A lock older than this is taken to be left by a process that died holding it, and removed;
   * default 30 s. Keep it well above the longest work done under the lock.
   */
  readonly staleMs?: number;
}

/** The locks the current async context holds, so that nested calls do not wait for themselves. */
const held = new AsyncLocalStorage<ReadonlySet<string>>();
/** This process's holders, queued: waiting on each other needs no polling. */
const local = new Map<string, Promise<unknown>>();

const codeOf = (error: unknown): unknown => (error as { code?: unknown } | null)?.code;

const acquire = async (path: string, options: DirLockOptions): Promise<void> => {
  const deadline = Date.now() + (options.waitMs ?? 45_000);
  const staleMs = options.staleMs ?? 30_000;
  for (;;) {
    try {
      // mkdir is atomic on every local file system: exactly one process creates the directory.
      await mkdir(path);
      return;
    } catch (error) {
      if (codeOf(error) !== 'EEXIST') throw error;
    }
    const since = await stat(path).then(
      (s) => s.mtimeMs,
      () => undefined,
    );
    if (since !== undefined && Date.now() - since > staleMs) {
      await rm(path, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline)
      throw new UnavailableError(
        `${path} is held by another process; if no fleet process is running, remove it`,
      );
    // Another process holds it: the work under it is a file write and a server push.
    await sleep(20 + Math.floor(Math.random() * 30));
  }
};

/**
 * Runs `fn` while holding the lock `path` (a directory created for the purpose), so that
 * processes sharing a folder do not interleave their read-modify-write cycles. Reentrant within
 * one async call chain. A lock left by a crashed process is removed after `staleMs`.
 */
export const withDirLock = async <T>(
  path: string,
  fn: () => Promise<T>,
  options: DirLockOptions = {},
): Promise<T> => {
  const mine = held.getStore();
  if (mine?.has(path) === true) return fn();
  const before = local.get(path) ?? Promise.resolve();
  const run = before
    .catch(() => undefined)
    .then(async () => {
      await acquire(path, options);
      try {
        return await held.run(new Set([...(mine ?? []), path]), fn);
      } finally {
        await rm(path, { recursive: true, force: true });
      }
    });
  local.set(path, run);
  try {
    return await run;
  } finally {
    if (local.get(path) === run) local.delete(path);
  }
};
