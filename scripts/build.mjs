#!/usr/bin/env node
// Builds the package into dist/: the JavaScript and declarations of the runtime folders
// (tsconfig.build.json), then the files the HUD reads at run time beside its modules. `npm
// install` and `npm ci` run it (the `prepare` script), and so does `npm pack`. Plain JavaScript,
// so that it needs nothing but Node and the typescript devDependency.
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const project = join(root, 'tsconfig.build.json');

// Without the dev dependencies (`npm ci --omit=dev` in a checkout) there is nothing to build
// with: say what to do rather than fail with a stack trace.
const ts = await import('typescript').then(
  (m) => m.default,
  () => undefined,
);
if (ts === undefined) {
  process.stderr.write(
    'build: typescript is not installed; the build needs the dev dependencies (install them, ' +
      'build, then `npm prune --omit=dev` if they must go)\n',
  );
  process.exit(1);
}

// Files of a deleted or renamed source must not linger in the package.
rmSync(dist, { recursive: true, force: true });

const tscBin = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const tsc = spawnSync(process.execPath, [tscBin, '-p', project], { stdio: 'inherit' });
if (tsc.status !== 0) {
  process.stderr.write('build: tsc failed\n');
  process.exit(tsc.status ?? 1);
}

// The HUD serves its page from the HTML, CSS and JavaScript files next to its modules.
const ASSET = /\.(html|css|js)$/;
/** @param {string} from a folder of the sources */
const copyAssets = (from) => {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const path = join(from, entry.name);
    if (entry.isDirectory()) copyAssets(path);
    else if (ASSET.test(entry.name)) cpSync(path, join(dist, relative(root, path)));
  }
};
copyAssets(join(root, 'hud'));

// Written last, so that it exists only beside a whole build. It names the folders built, one a
// line: in a source checkout, bin/fleet.mjs compares their files' times with the stamp's to tell
// a build older than the sources.
/** @type {{ config?: { include?: string[] } }} */
const read = ts.readConfigFile(project, (path) => ts.sys.readFile(path));
const folders = read.config?.include ?? [];
writeFileSync(join(dist, 'build.txt'), folders.map((f) => `${f}\n`).join(''));
