/**
 * `npm run schemas`: writes `generateSchemas()` into `schemas/` and deletes any file there the
 * generator no longer produces, so the directory is exactly the generator's output.
 */
import { mkdir, readdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSchemas, SCHEMAS_DIR } from './schemas.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, SCHEMAS_DIR);

/** Every file under `d`, as paths relative to `dir` with `/` separators. */
const listFiles = async (d: string): Promise<string[]> => {
  const entries = await readdir(d, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
};

const files = generateSchemas();
await mkdir(dir, { recursive: true });

let written = 0;
for (const [rel, content] of files) {
  const path = join(dir, rel);
  const current = await readFile(path, 'utf8').catch(() => undefined);
  if (current === content) continue;
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
  written++;
}

let removed = 0;
for (const rel of await listFiles(dir)) {
  if (files.has(rel)) continue;
  await rm(join(dir, rel));
  removed++;
}
// Directories left empty by removals go too (deepest first).
const dirs = (await readdir(dir, { withFileTypes: true, recursive: true }))
  .filter((e) => e.isDirectory())
  .map((e) => join(e.parentPath, e.name))
  .sort((a, b) => b.length - a.length);
for (const d of dirs) {
  if ((await readdir(d)).length === 0) await rmdir(d);
}

console.log(
  `schemas: ${files.size} files, ${written} written, ${removed} stale removed (${SCHEMAS_DIR}/)`,
);
