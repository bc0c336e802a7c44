import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/**
 * `fleet --help` loads every command's module, so each must import only what registering its
 * options needs: what a command runs (the NATS client, the schemas, the actors) is imported in
 * its action. Loading zod alone costs more than the rest of the help. This checks, by the
 * modules a real process resolves, that no import slipped back to the top of a command; the
 * start-up time itself is measured by `npm run bench` (bench/startup.ts), not here.
 */

const run = promisify(execFile);
const repo = fileURLToPath(new URL('..', import.meta.url));

/** Modules the help must not load: the heavy part of every command. */
const HEAVY = /\/node_modules\/(zod|@nats-io\/[^/]+|immer)\//;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleet-startup-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/**
 * Runs `fleet <args>` from the sources (through tsx, as a checkout without a build does) and
 * returns every module URL the process resolved, recorded by a resolve hook.
 */
const modulesLoadedBy = async (args: readonly string[]): Promise<string[]> => {
  const trace = join(dir, 'modules.txt');
  const hook =
    "import { appendFileSync } from 'node:fs';" +
    'export async function resolve(specifier, context, next) {' +
    '  const resolved = await next(specifier, context);' +
    `  appendFileSync(${JSON.stringify(trace)}, resolved.url + '\\n');` +
    '  return resolved;' +
    '}';
  const registration =
    "import { register } from 'node:module';" +
    `register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;
  const { stdout } = await run(
    process.execPath,
    [
      '--import',
      'tsx',
      '--import',
      `data:text/javascript,${encodeURIComponent(registration)}`,
      'cli/main.ts',
      ...args,
    ],
    { cwd: repo },
  );
  expect(stdout).toContain('Usage: fleet');
  return (await readFile(trace, 'utf8')).split('\n').filter((url) => url !== '');
};

describe('fleet start-up', () => {
  it('shows the help without loading the NATS client, zod or immer', async () => {
    const modules = await modulesLoadedBy(['--help']);
    // The hook saw the program's own modules: the trace is not empty by accident.
    expect(modules.some((url) => url.endsWith('/cli/commands/submit.ts'))).toBe(true);
    expect(modules.some((url) => url.includes('/node_modules/commander/'))).toBe(true);
    expect(modules.filter((url) => HEAVY.test(url))).toEqual([]);
  }, 60_000);

  it('shows a command’s help the same way', async () => {
    const modules = await modulesLoadedBy(['status', '--help']);
    expect(modules.filter((url) => HEAVY.test(url))).toEqual([]);
  }, 60_000);
});
