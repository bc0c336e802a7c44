import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { P, POOL } from '../test/support/builders.ts';
import { cliFixture } from '../test/support/cli-fixture.ts';
import type { CliFixture } from '../test/support/cli-fixture.ts';
import { TEST_IMAGE } from '../test/harness/test-image.ts';

// `fleet provisioner` on the real engine of the container tier: a pool with no worker, a task,
// a one-shot worker launched from the docker template; `fleet status` says which runtime ran it
// and why; nothing is left enrolled.

const host = inject('dockerHost');
const saved = process.env['DOCKER_HOST'];
let cli: CliFixture;
let dir: string;

beforeAll(async () => {
  // The in-process provisioner's dockerode reads it, as the installed command does.
  process.env['DOCKER_HOST'] = host;
  dir = await mkdtemp(join(tmpdir(), 'fleet-provisioner-'));
});
afterAll(async () => {
  if (saved === undefined) delete process.env['DOCKER_HOST'];
  else process.env['DOCKER_HOST'] = saved;
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await cli.close();
});

describe('fleet provisioner', { timeout: 120_000 }, () => {
  it('launches a docker worker for a task no worker serves, and fleet status says why', async () => {
    cli = await cliFixture();
    const templates = join(dir, 'templates.json');
    await writeFile(
      templates,
      JSON.stringify([
        {
          name: 'box',
          runtime: { kind: 'docker', memoryMb: 64 },
          image: TEST_IMAGE,
          command: ['sh', '-c', 'cat "$FLEET_TASK_FILE"'],
          cost: 2,
        },
        {
          name: 'fn',
          runtime: { kind: 'lambda', maxDurationMs: 1000 },
          function: 'never-called',
          cost: 1,
        },
      ]),
    );
    await cli.start(['registrar'], { ready: /registrar running/ });
    await cli.start(['dispatcher', '--pool', POOL, '--heartbeat', '200ms'], {
      ready: /dispatcher of pool gpu running/,
    });
    await cli.start(
      ['provisioner', '--pool', POOL, '--templates', templates, '--heartbeat', '200ms'],
      { ready: /provisioner of pool gpu running/ },
    );
    const taskId = `launched-${process.pid}`;
    const submitted = await cli.run(
      'submit',
      '--project',
      P.health,
      '--pool',
      POOL,
      '--id',
      taskId,
      '--timeout',
      '30s',
      '--payload',
      '{"n":1}',
      '--wait',
    );
    expect(submitted.code).toBe(0);
    expect(submitted.out).toContain('"n":1');
    const status = await cli.run('status', taskId);
    expect(status.out).toMatch(
      /runtime: docker \(template box\): cold launch: no live worker fits; box \(docker, cost 2\) is the only fit; unfit: fn \(lambda\): timeout 30000 ms exceeds the runtime's 1000 ms/,
    );
    const workers = await cli.run('workers', 'list', '--json');
    expect(workers.out).not.toMatch(/"status":"active"/);
  });
});
