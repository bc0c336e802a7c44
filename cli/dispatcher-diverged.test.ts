import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliFixture } from '../test/support/cli-fixture.ts';
import type { CliFixture } from '../test/support/cli-fixture.ts';
import { trimHead } from '../test/support/stream-damage.ts';

let cli: CliFixture;
beforeEach(async () => {
  cli = await cliFixture();
});
afterEach(() => cli.close());

describe('fleet dispatcher over a stream that lost its history under it', () => {
  it('stops with a clear error and a non-zero exit, instead of conflicting forever', async () => {
    const { f } = cli;
    await f.enroll('w1', { capacity: 2 });
    await f.submit({ taskId: 't1' });
    const d = await cli.start(['dispatcher', '--pool', 'gpu', '--heartbeat', '60s'], {
      ready: /ready: dispatcher of pool gpu/,
    });
    const first = await f.claim('w1');
    expect('assignments' in first && first.assignments.map((a) => a.taskId)).toEqual(['t1']);

    // A guarded stream refuses a purge; an operator's limit still removes its head.
    await f.submit({ taskId: 't2' });
    await trimHead(f.log.jsm, f.log.stream, 1);
    // Each claim is a round that appends, and conflicts: keep asking until the dispatcher exits.
    let code: number | undefined;
    void d.done.then((c) => (code = c));
    while (code === undefined) await f.claim('w1', { waitMs: 500 }).catch(() => undefined);

    expect(code).toBe(2);
    const retrying = d.stderr().match(/retrying with backoff/g) ?? [];
    expect(retrying).toHaveLength(1);
    expect(d.stderr()).toMatch(
      /error \[conflict\]: dispatcher\.gpu stopped: appends to .*\.dispatch conflicted 6 times in a row/,
    );
  });
});
