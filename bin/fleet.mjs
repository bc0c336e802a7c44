#!/usr/bin/env node
// The `fleet` command. It runs the build, dist/cli/main.js, which `npm install`, `npm ci` and
// `npm pack` make (`npm run build` by hand). In a source checkout whose build is missing or older
// than the sources, it runs the TypeScript sources through tsx instead, and says so: correct, but
// about a second slower to start.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const build = join(root, 'dist', 'build.txt');
const sources = join(root, 'cli', 'main.ts');

/**
 * Whether anything under `folder` but tests changed after `since`: a file, or a folder's
 * entries (a file added, renamed or deleted). A few milliseconds for the whole source tree.
 * @param {string} folder
 * @param {number} since a time in ms
 * @returns {boolean}
 */
const changedSince = (folder, since) => {
  if (statSync(folder).mtimeMs > since) return true;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory() ? changedSince(path, since) : isNewerSource(entry.name, path, since))
      return true;
  }
  return false;
};

/**
 * @param {string} name
 * @param {string} path
 * @param {number} since
 */
const isNewerSource = (name, path, since) =>
  !name.endsWith('.test.ts') && statSync(path).mtimeMs > since;

/**
 * Why the build cannot stand for the sources, or undefined when it can.
 * @returns {string | undefined}
 */
const staleness = () => {
  if (!existsSync(build)) return 'no build in dist/';
  if (!existsSync(sources)) return undefined; // an installed package: the build is all there is
  const since = statSync(build).mtimeMs;
  const folders = readFileSync(build, 'utf8')
    .split('\n')
    .filter((f) => f !== '');
  const changed = folders.filter((f) => changedSince(join(root, f), since));
  return changed.length === 0
    ? undefined
    : `the build in dist/ is older than the sources (${changed.join(', ')})`;
};

const why = staleness();
if (why === undefined) {
  // Imported by a URL computed here, so its module is untyped (and absent from a bare checkout).
  // eslint-disable-next-line @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access
  await (await import(pathToFileURL(join(root, 'dist', 'cli', 'main.js')).href)).main();
} else if (!existsSync(sources)) {
  process.stderr.write(`fleet: ${why}: this installation is broken; reinstall the package\n`);
  process.exitCode = 2;
} else {
  /** @type {() => unknown} */
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write(`fleet: ${why}, and tsx is not installed: run \`npm run build\`\n`);
    process.exit(2);
  }
  process.stderr.write(`fleet: ${why}: running the sources through tsx (run \`npm run build\`)\n`);
  register();
  const { main } = await import('../cli/main.ts');
  await main();
}
