import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliFixture } from '../test/support/cli-fixture.ts';
import type { CliFixture } from '../test/support/cli-fixture.ts';

let cli: CliFixture;
beforeEach(async () => {
  cli = await cliFixture();
});
afterEach(() => cli.close());

const healthUrl = (stdout: string): string => {
  const url = /health: (http:\/\/127\.0\.0\.1:\d+\/healthz)/.exec(stdout)?.[1];
  if (url === undefined) throw new Error(`no health URL in: ${stdout}`);
  return url;
};

describe('fleet dispatcher readiness', () => {
  it('says when it is ready, from where, and answers its health endpoint', async () => {
    await cli.f.enroll('w1');
    await cli.f.submit({ taskId: 't1' }, { taskId: 't2' });
    const d = await cli.start(['dispatcher', '--pool', 'gpu', '--health-port', '0'], {
      ready: /ready: dispatcher of pool gpu/,
    });
    expect(d.stdout()).toMatch(/ready: dispatcher of pool gpu at seq 2, from the start of the log/);
    const res = await fetch(healthUrl(d.stdout()));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ready',
      actors: { 'dispatcher.gpu': { ready: true, position: 2, target: 2 } },
    });
    expect((await fetch(healthUrl(d.stdout()).replace('healthz', 'other'))).status).toBe(404);
    expect(await d.stop()).toBe(0);

    // Started again, it restores the snapshot its stop saved.
    const again = await cli.start(['dispatcher', '--pool', 'gpu'], {
      ready: /ready: dispatcher of pool gpu/,
    });
    expect(again.stdout()).toMatch(/at seq 2, from its snapshot at 2 and 0 messages folded/);
    expect(await again.stop()).toBe(0);
  });
});
