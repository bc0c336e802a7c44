import { afterAll, describe, expect, inject, it } from 'vitest';
import { dockerAt, TEST_IMAGE } from '../../test/harness/test-image.ts';
import type { PoolId, ProjectId, TaskId } from '../../events/index.ts';
import type { LaunchSpec } from '../launcher.ts';
import { ContainerLabel } from './container-labels.ts';
import { dockerLauncher } from './docker-launcher.ts';

// Against the real engine of the container tier (Podman's Docker API here, Docker elsewhere):
// one small busybox container per case, each removed by the launcher.

const docker = dockerAt(inject('dockerHost'));
/** A distinct owner host per run, so this file's containers are told from anyone else's. */
const owner = { host: `fleet-test-${process.pid}`, pid: process.pid };

const spec = (over: Partial<LaunchSpec> = {}): LaunchSpec => ({
  taskId: 't1' as TaskId,
  project: 'p1' as ProjectId,
  pool: 'gpu' as PoolId,
  attempt: 1,
  input: JSON.stringify({ taskId: 't1', payload: { n: 21 } }),
  env: {},
  limits: { timeoutMs: 20_000 },
  signal: new AbortController().signal,
  ...over,
});

const launcher = (command: string, extra: Partial<Parameters<typeof dockerLauncher>[0]> = {}) =>
  dockerLauncher({
    docker,
    image: TEST_IMAGE,
    command: ['sh', '-c', command],
    owner,
    stopGraceMs: 0,
    ...extra,
  });

/** This run's containers still on the engine. */
const leftOver = () =>
  docker.listContainers({
    all: true,
    filters: JSON.stringify({ label: [`${ContainerLabel.host}=${owner.host}`] }),
  });

afterAll(async () => {
  for (const c of await leftOver()) await docker.getContainer(c.Id).remove({ force: true });
});

describe('the docker launcher on a real engine', { timeout: 60_000 }, () => {
  it('runs the task in a fresh container: the task file and env in, stdout out, then removes it', async () => {
    const r = await launcher('cat "$FLEET_TASK_FILE"; echo " $GREETING"').run(
      spec({ env: { GREETING: 'hello' }, limits: { timeoutMs: 20_000, memoryMb: 64, cpus: 0.5 } }),
    );
    expect(r.outcome).toBe('succeeded');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(`${JSON.stringify({ taskId: 't1', payload: { n: 21 } })} hello\n`);
    expect(await leftOver()).toEqual([]);
  });

  it('maps a non-zero exit code to a failure with the stderr tail', async () => {
    const r = await launcher('echo partial; echo "no such model" >&2; exit 3').run(spec());
    expect(r).toMatchObject({ outcome: 'failed', exitCode: 3, stdout: 'partial\n' });
    expect(r.stderr).toBe('no such model\n');
    expect(await leftOver()).toEqual([]);
  });

  it('stops a container past its wall-clock limit', async () => {
    const r = await launcher('echo begun; sleep 60').run(spec({ limits: { timeoutMs: 1_000 } }));
    expect(r.outcome).toBe('timed_out');
    expect(r.stdout).toBe('begun\n');
    expect(await leftOver()).toEqual([]);
  });

  it('reports a container killed over its memory limit as memory exceeded', async () => {
    // dd holds one 64 MB block in memory: over a 16 MB limit the OOM killer ends it.
    const r = await launcher('exec dd if=/dev/zero of=/dev/null bs=64M count=4').run(
      spec({ limits: { timeoutMs: 20_000, memoryMb: 16 } }),
    );
    expect(r.outcome).toBe('memory_exceeded');
    // The same command under a limit it fits in completes.
    const fits = await launcher('exec dd if=/dev/zero of=/dev/null bs=1M count=4').run(
      spec({ limits: { timeoutMs: 20_000, memoryMb: 64 } }),
    );
    expect(fits.outcome).toBe('succeeded');
  });

  it("caps stdout at the launcher's limit and says it was cut", async () => {
    const r = await launcher('dd if=/dev/zero bs=1k count=64 2>/dev/null', {
      maxOutputBytes: 1_000,
    }).run(spec());
    expect(r.outcome).toBe('succeeded');
    expect(r.truncated).toBe(true);
    expect(r.stdout.length).toBe(1_000);
  });

  it('stops the container when the attempt is abandoned', async () => {
    const abort = new AbortController();
    const running = launcher('sleep 60').run(spec({ signal: abort.signal }));
    // Running, not merely created: the launcher is then waiting on it, past setting it up.
    await expect
      .poll(async () => (await leftOver()).filter((c) => c.State === 'running').length)
      .toBe(1);
    abort.abort();
    expect((await running).outcome).toBe('aborted');
    expect(await leftOver()).toEqual([]);
  });

  it('stops the container when the attempt is abandoned while it is set up', async () => {
    for (const when of ['at once', 'created'] as const) {
      const abort = new AbortController();
      const running = launcher('sleep 60').run(spec({ signal: abort.signal }));
      // As soon as it exists: most often before it is started (its files go in first).
      if (when === 'created') await expect.poll(async () => (await leftOver()).length).toBe(1);
      abort.abort();
      expect((await running).outcome).toBe('aborted');
      expect(await leftOver()).toEqual([]);
    }
  });

  it('refuses an image the engine does not have with a typed error', async () => {
    await expect(
      dockerLauncher({ docker, image: 'fleet-no-such-image-anywhere', owner }).run(spec()),
    ).rejects.toMatchObject({ name: 'LaunchError', code: 'runtime_not_found' });
  });

  it('reaps the containers of a dead worker of this host, and only those', async () => {
    const dead = { host: owner.host, pid: 999_999_991 };
    const alive = { host: owner.host, pid: 999_999_992 };
    const abort = new AbortController();
    const runs = [dead, alive].map((o) =>
      dockerLauncher({
        docker,
        image: TEST_IMAGE,
        command: ['sleep', '60'],
        owner: o,
        stopGraceMs: 0,
      }).run(spec({ signal: abort.signal })),
    );
    // Both running: a launcher is then waiting on its container (no longer setting it up).
    await expect
      .poll(async () => (await leftOver()).filter((c) => c.State === 'running').length)
      .toBe(2);
    const reaper = launcher('true', { isAlive: (pid) => pid === alive.pid });
    expect(await reaper.reapOrphans()).toBe(1);
    const kept = await leftOver();
    expect(kept.map((c) => c.Labels[ContainerLabel.pid])).toEqual([String(alive.pid)]);
    // The reaped container's launcher, had it still run, sees it killed: gone already (lost), or
    // not yet removed when it looks, a SIGKILL nobody sent without a memory limit (failed); the
    // engine decides which comes first. Never a success, nor a stop of its own.
    expect(['lost', 'failed']).toContain((await runs[0])?.outcome);
    abort.abort();
    expect((await runs[1])?.outcome).toBe('aborted');
  });
});
