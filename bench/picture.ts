/**
 * Draws `bench/results/bench.svg` from the results the benchmarks left in `bench/results/`
 * (`npm run bench` runs it last; `npm run bench:picture` alone redraws from the last results).
 */
import { writeFile } from 'node:fs/promises';
import { benchPicture, readResult, RESULTS_DIR } from './picture/index.ts';

const dispatch = await readResult('dispatch');
const memory = await readResult('memory');
const caption = [
  dispatch === undefined ? undefined : `${dispatch.machine}; dispatch run ${dispatch.at}`,
  memory === undefined ? undefined : `memory run ${memory.at}`,
]
  .filter((s) => s !== undefined)
  .join('; ');
const svg = await benchPicture({ dispatch, memory }, caption);
const file = `${RESULTS_DIR}bench.svg`;
await writeFile(file, svg);
const absent = [dispatch === undefined ? 'dispatch' : '', memory === undefined ? 'memory' : '']
  .filter(Boolean)
  .join(', ');
console.log(`picture: ${file}${absent === '' ? '' : ` (no result yet: ${absent})`}`);
