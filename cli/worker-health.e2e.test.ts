import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { P, POOL } from '../test/support/builders.ts';
import { cliFixture } from '../test/support/cli-fixture.ts';
import type { CliFixture } from '../test/support/cli-fixture.ts';
import { spawnFleet } from '../test/support/spawn-fleet.ts';
import type { SpawnedFleet } from '../test/support/spawn-fleet.ts';

// `fleet worker --health-port` and `--drain-timeout`, as a supervisor uses them (Kubernetes:
// readiness and liveness probes, SIGTERM then terminationGracePeriodSeconds): two workers hold
// a task each and get SIGTERM together; the one with a short drain timeout gives up and exits 1,
// the other is still draining after that — not ready, alive — and finishes its task, then exits 0.

let cli: CliFixture;
const spawned: SpawnedFleet[] = [];
let dir = '';

afterEach(async () => {
  for (const s of spawned.splice(0)) if (s.child.exitCode === null) s.child.kill('SIGKILL');
  await cli.close();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

/** The health endpoint's URL that a worker printed. */
const healthUrl = async (w: SpawnedFleet): Promise<string> => {
  await w.waitFor(/health: (http:\S+)/);
  return /health: (http:\S+)\/healthz/.exec(w.stdout())?.[1] ?? '';
};

const probe = async (url: string) => {
  const r = await fetch(url);
  return { status: r.status, body: (await r.json()) as { status: string; workerId?: string } };
};

describe('fleet worker health and drain', { timeout: 90_000 }, () => {
  it('answers probes, drains on SIGTERM while its drain timeout lasts, and then gives up', async () => {
    dir = await mkdtemp(join(tmpdir(), 'fleet-drain-'));
    const go = join(dir, 'go');
    cli = await cliFixture();
    await cli.startPool();
    const token = await cli.createKey('--max-uses', '2');
    const worker = (drainTimeout: string) =>
      spawnFleet(
        [
          '--nats',
          inject('natsUrl'),
          '--root',
          cli.f.log.subjects.root,
          '--stream',
          cli.f.log.stream,
          'worker',
          '--heartbeat',
          '200ms',
          '--health-port',
          '0',
          '--drain-timeout',
          drainTimeout,
          // Each task waits for the test's go-ahead, then prints itself back.
          '--exec',
          `while [ ! -e '${go}' ]; do sleep 0.05; done; cat`,
        ],
        { FLEET_KEY: token },
      );
    const hasty = worker('1s');
    const patient = worker('60s');
    spawned.push(hasty, patient);
    const [hastyUrl, patientUrl] = await Promise.all([healthUrl(hasty), healthUrl(patient)]);
    await Promise.all([hasty.waitFor(/claiming work/), patient.waitFor(/claiming work/)]);
    const ready = await probe(`${patientUrl}/healthz`);
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('active');
    expect(ready.body.workerId).toMatch(/\S/);
    expect((await probe(`${hastyUrl}/livez`)).status).toBe(200);
    expect((await fetch(`${hastyUrl}/other`)).status).toBe(404);

    for (const id of ['drain-1', 'drain-2'])
      await cli.run('submit', '--project', P.health, '--pool', POOL, '--id', id, '--payload', '{}');
    await Promise.all([hasty.waitFor(/: started/), patient.waitFor(/: started/)]);
    hasty.child.kill('SIGTERM');
    patient.child.kill('SIGTERM');

    // The hasty one gives up its held task after its 1 s.
    expect((await hasty.exited).code).toBe(1);
    expect(hasty.stderr()).toMatch(/could not stop cleanly within 1 s of SIGTERM/);
    // The patient one, SIGTERMed at the same moment, is still there: draining, so not ready.
    await patient.waitFor(/draining/);
    const draining = await probe(`${patientUrl}/healthz`);
    expect(draining).toMatchObject({ status: 503, body: { status: 'draining' } });
    expect((await probe(`${patientUrl}/livez`)).status).toBe(200);
    expect(patient.child.exitCode).toBeNull();

    await writeFile(go, '');
    await patient.waitFor(/attempt 1: completed/);
    expect((await patient.exited).code).toBe(0);
    expect(patient.stdout()).toMatch(/left the pool/);
  });
});
