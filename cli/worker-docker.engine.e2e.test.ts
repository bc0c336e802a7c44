import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { ContainerLabel } from '../runtimes/index.ts';
import { P, POOL } from '../test/support/builders.ts';
import { cliFixture } from '../test/support/cli-fixture.ts';
import type { CliFixture } from '../test/support/cli-fixture.ts';
import { spawnFleet } from '../test/support/spawn-fleet.ts';
import type { SpawnedFleet } from '../test/support/spawn-fleet.ts';
import { dockerAt, TEST_IMAGE } from '../test/harness/test-image.ts';

// `fleet worker --runtime docker` on the real engine of the container tier: a worker killed
// mid-task leaves its container running; the next worker on the host removes it at start,
// and the task, requeued by the dispatcher, completes in a fresh container there.

const host = inject('dockerHost');
const docker = dockerAt(host);
const saved = process.env['DOCKER_HOST'];
let cli: CliFixture;
const spawned: SpawnedFleet[] = [];

beforeAll(() => {
  // The in-process worker's dockerode reads it, as the installed command does.
  process.env['DOCKER_HOST'] = host;
});
afterAll(() => {
  if (saved === undefined) delete process.env['DOCKER_HOST'];
  else process.env['DOCKER_HOST'] = saved;
});
afterEach(async () => {
  for (const s of spawned.splice(0)) if (s.child.exitCode === null) s.child.kill('SIGKILL');
  await cli.close();
});

/** The containers of task `taskId` on the engine. */
const containersOf = (taskId: string) =>
  docker.listContainers({
    all: true,
    filters: JSON.stringify({ label: [`${ContainerLabel.task}=${taskId}`] }),
  });

describe('fleet worker --runtime docker', { timeout: 120_000 }, () => {
  it('survives the loss of a worker: its orphan is reaped and the task completes', async () => {
    cli = await cliFixture();
    await cli.startPool();
    const token = await cli.createKey('--max-uses', '2');
    // The first attempt hangs; any later one prints the task back.
    const worker = [
      '--runtime',
      'docker',
      '--image',
      TEST_IMAGE,
      '--memory',
      '64',
      '--heartbeat',
      '200ms',
      '--exec',
      `if grep -q '"attempt":1,' "$FLEET_TASK_FILE"; then sleep 300; fi; cat "$FLEET_TASK_FILE"`,
    ];
    const first = spawnFleet(
      [
        '--nats',
        inject('natsUrl'),
        '--root',
        cli.f.log.subjects.root,
        '--stream',
        cli.f.log.stream,
        'worker',
        ...worker,
      ],
      { FLEET_KEY: token, DOCKER_HOST: host },
    );
    spawned.push(first);
    await first.waitFor(/claiming work/);
    const taskId = `docker-${process.pid}`;
    const submitted = await cli.run(
      'submit',
      '--project',
      P.health,
      '--pool',
      POOL,
      '--id',
      taskId,
      '--payload',
      '{"n":1}',
    );
    expect(submitted.code).toBe(0);
    await first.waitFor(new RegExp(`task ${taskId} attempt 1: started`));
    await expect
      .poll(async () => (await containersOf(taskId)).map((c) => c.State))
      .toEqual(['running']);

    first.child.kill('SIGKILL');
    await first.exited;
    expect((await containersOf(taskId)).length).toBe(1);

    const second = await cli.start(['worker', ...worker], {
      env: { FLEET_KEY: token },
      ready: /claiming work/,
    });
    expect(second.stdout()).toMatch(/removed 1 orphaned container/);
    // The orphan is gone (the requeued attempt 2 may already have a container of its own).
    const attempts = (await containersOf(taskId)).map((c) => c.Labels[ContainerLabel.attempt]);
    expect(attempts).not.toContain('1');
    await expect
      .poll(() => second.stdout(), { timeout: 30_000 })
      .toMatch(new RegExp(`task ${taskId} attempt 2: completed`));
    expect(await containersOf(taskId)).toEqual([]);
  });
});
