/**
 * Regenerates the expected files of the projections' golden replays: for every folder of
 * `test/fixtures/golden/` with a recorded `log.jsonl`, folds the log and writes each
 * projection's views (operator and per project) to `<projection>.json`. Review the diff: a
 * change that alters what a projection makes of the log shows there.
 *
 *   npm run golden:update
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { parseRecordedLog, replayViews } from '../projections/index.ts';

/** Where the golden replays live. */
export const GOLDEN_DIR = fileURLToPath(new URL('../test/fixtures/golden/', import.meta.url));

/** The expected files of one golden folder, as text, formatted as the repository formats JSON. */
export const expectedFiles = async (dir: string): Promise<Record<string, string>> => {
  const items = parseRecordedLog(await readFile(`${dir}/log.jsonl`, 'utf8'));
  const views = replayViews(items);
  const out: Record<string, string> = {};
  for (const [name, view] of Object.entries(views)) {
    const file = `${dir}/${name}.json`;
    const config = (await prettier.resolveConfig(file)) ?? {};
    out[`${name}.json`] = await prettier.format(JSON.stringify(view), {
      ...config,
      parser: 'json',
    });
  }
  return out;
};

const main = async () => {
  for (const entry of await readdir(GOLDEN_DIR, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = `${GOLDEN_DIR}${entry.name}`;
    for (const [file, text] of Object.entries(await expectedFiles(dir))) {
      await writeFile(`${dir}/${file}`, text);
      console.log(`wrote ${entry.name}/${file}`);
    }
  }
};

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1])
  await main();
