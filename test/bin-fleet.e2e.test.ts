/**
 * bin/fleet.mjs chooses what to run: the build in dist/ when it stands for the sources, the
 * sources through tsx (saying so) in a checkout whose build is missing or older than them, and
 * an error in an installed package without its build. Checked on a copy of the script in a
 * temporary folder shaped like a checkout, with stand-ins for the build and the sources, and
 * file times set explicitly.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('..', import.meta.url));
const HOUR_S = 3_600;

let dir: string;

/** Writes `text` to `path` under the temporary folder, with its time `age` seconds ago. */
const put = async (path: string, text: string, age = 0): Promise<void> => {
  const file = join(dir, path);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text);
  const at = Date.now() / 1000 - age;
  await utimes(file, at, at);
};

/** Sets the times of a folder under the temporary folder to `age` seconds ago. */
const age = async (path: string, seconds: number): Promise<void> => {
  const at = Date.now() / 1000 - seconds;
  await utimes(join(dir, path), at, at);
};

/** Runs the copied bin/fleet.mjs; never rejects. */
const fleet = (): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, [join(dir, 'bin', 'fleet.mjs')], (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr });
    });
  });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleet-bin-'));
  await mkdir(join(dir, 'bin'));
  await copyFile(join(repo, 'bin', 'fleet.mjs'), join(dir, 'bin', 'fleet.mjs'));
  // An ES module package, as the checkout is, with tsx for the fallback from its dependencies.
  await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  await symlink(join(repo, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const stub = (what: string) => `export const main = async () => { console.log('${what}'); };\n`;
  await put('cli/main.ts', stub('ran the sources'), 2 * HOUR_S);
  await put('cli/main.test.ts', '', 2 * HOUR_S);
  await age('cli', 2 * HOUR_S);
  await put('dist/cli/main.js', stub('ran the build'), HOUR_S);
  await put('dist/build.txt', 'cli\n', HOUR_S);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('bin/fleet.mjs', () => {
  it('runs the build when it is newer than the sources, silently', async () => {
    expect(await fleet()).toEqual({ code: 0, stdout: 'ran the build\n', stderr: '' });
  });

  it('ignores tests changed after the build', async () => {
    await put('cli/main.test.ts', 'changed', 0);
    expect((await fleet()).stdout).toBe('ran the build\n');
  });

  it('runs the sources through tsx, and says why, when a source changed after the build', async () => {
    await put('cli/main.ts', "export const main = async () => { console.log('edited'); };\n");
    const run = await fleet();
    expect(run.stdout).toBe('edited\n');
    expect(run.stderr).toMatch(/build in dist\/ is older than the sources \(cli\).*npm run build/);
  }, 30_000);

  it('runs the sources through tsx when a source was added after the build', async () => {
    await put('cli/new-file.ts', '', 2 * HOUR_S);
    expect((await fleet()).stdout).toBe('ran the sources\n');
  }, 30_000);

  it('runs the sources through tsx when there is no build', async () => {
    await rm(join(dir, 'dist'), { recursive: true });
    const run = await fleet();
    expect(run.stdout).toBe('ran the sources\n');
    expect(run.stderr).toMatch(/no build in dist\//);
  }, 30_000);

  it('runs the build of an installed package, which has no sources to compare', async () => {
    await rm(join(dir, 'cli'), { recursive: true });
    expect(await fleet()).toEqual({ code: 0, stdout: 'ran the build\n', stderr: '' });
  });

  it('fails clearly in an installed package without its build', async () => {
    await rm(join(dir, 'cli'), { recursive: true });
    await rm(join(dir, 'dist'), { recursive: true });
    const run = await fleet();
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no build in dist\/.*reinstall the package/);
  });
});
