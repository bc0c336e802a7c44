import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The house keeps each file to one concept: none of its code files grows past 400 lines.
const MAX_LINES = 400;
const root = fileURLToPath(new URL('..', import.meta.url));

describe('the code files', () => {
  it(`are each at most ${MAX_LINES} lines long`, () => {
    const files = execFileSync('git', ['ls-files', '*.ts', '*.js', '*.mjs'], {
      cwd: root,
      encoding: 'utf8',
    })
      .split('\n')
      .filter((f) => f !== '');
    expect(files.length).toBeGreaterThan(100);
    const long = files
      .map((f) => ({ f, lines: readFileSync(`${root}${f}`, 'utf8').split('\n').length - 1 }))
      .filter(({ lines }) => lines > MAX_LINES)
      .map(({ f, lines }) => `${f}: ${lines} lines`);
    expect(long).toEqual([]);
  });
});
