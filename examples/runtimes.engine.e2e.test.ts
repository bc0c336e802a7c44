import { describe, expect, inject, it } from 'vitest';
import { uniqueName } from '../test/harness/index.ts';
import { runRuntimes } from './runtimes.ts';

// The container tier: Docker-launched workers need the engine (scripts/container-engine.sh).
describe('the runtimes example', { timeout: 120_000 }, () => {
  it('runs each class of tasks on the runtime that fits it, and says why', async () => {
    const lines: string[] = [];
    const result = await runRuntimes({
      natsUrl: inject('natsUrl'),
      dockerHost: inject('dockerHost'),
      root: uniqueName('rt'),
      stream: uniqueName('rt').toUpperCase(),
      log: (line) => lines.push(line),
    });
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.classes.map((k) => [k.name, k.completed, k.ranOn])).toEqual([
      ['plain', 4, ['process']],
      ['short', 4, ['lambda']],
      ['long', 2, ['docker']],
      ['big', 2, ['docker']],
    ]);
    const why = Object.fromEntries(result.classes.map((k) => [k.name, k.why]));
    expect(why['plain']).toMatch(/^warm/);
    expect(why['short']).toMatch(/fn \(lambda, cost 1\) is the cheapest ready fit/);
    expect(why['long']).toMatch(/unfit: fn \(lambda\): timeout 120000 ms exceeds/);
    expect(why['big']).toMatch(/unfit: fn \(lambda\): needs 200 MB, runtime offers 128 MB/);
    // One launch per launched task, none failed; every launched worker left.
    expect(result.launches).toEqual({ 'launch.requested': 8, 'launch.started': 8 });
    expect(result.activeAtEnd).toBe(2);
    expect(
      lines.some((l) => /audit: 8 launches re-checked .*: 0 breaches, 0 violations/.test(l)),
    ).toBe(true);
    expect(lines.some((l) => /every class ran where it fits/.test(l))).toBe(true);
  });
});
