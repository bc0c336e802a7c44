import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** Every test file names its tier, or vitest's projects would never run it. */
describe('test tiers', () => {
  it('every test file is a unit, int or e2e test by its name', () => {
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
      encoding: 'utf8',
    })
      .split('\n')
      .filter((f) => f.endsWith('.test.ts'));
    expect(files.length).toBeGreaterThan(50);
    expect(files.filter((f) => !/\.(unit|int|e2e)\.test\.ts$/.test(f))).toEqual([]);
  });
});
