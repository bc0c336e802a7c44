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
      ready: /dispatcher of pool gpu running/,
    });
    expect(d.stdout()).toMatch(/dispatcher of pool gpu: active \(lease term 1, /);
    expect(d.stdout()).toMatch(/ready: dispatcher of pool gpu at seq 2, from the start of the log/);
    const res = await fetch(healthUrl(d.stdout()));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ready',
      actors: { 'dispatcher.gpu': { ready: true, position: 2, target: 2, role: 'active' } },
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

  it('started twice, serves from one and stands by with the other, which takes over', async () => {
    await cli.f.enroll('w1');
    const role = async (stdout: () => string) =>
      (
        (await (await fetch(healthUrl(stdout()))).json()) as {
          actors: Record<string, { role?: string }>;
        }
      ).actors['dispatcher.gpu']?.role;
    const first = await cli.start(['dispatcher', '--pool', 'gpu', '--health-port', '0'], {
      ready: /dispatcher of pool gpu running/,
    });
    const second = await cli.start(['dispatcher', '--pools', 'gpu', '--health-port', '0'], {
      ready: /dispatcher of pool gpu running/,
    });
    expect(second.stdout()).toMatch(/dispatcher of pool gpu: standby while \S+ serves it/);
    expect(await role(() => first.stdout())).toBe('active');
    expect(await role(() => second.stdout())).toBe('standby');
    // The active one stops and releases its lease: the standby serves, and a task is assigned.
    expect(await first.stop()).toBe(0);
    await expect
      .poll(() => second.stdout())
      .toMatch(/dispatcher of pool gpu: active \(lease term 2, /);
    expect(await role(() => second.stdout())).toBe('active');
    await cli.f.submit({ taskId: 'after' });
    const claim = await cli.f.claim('w1');
    expect(claim).toMatchObject({ assignments: [{ taskId: 'after', attempt: 1 }] });
    expect(await second.stop()).toBe(0);
  });
});
