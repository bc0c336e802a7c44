import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCaptured } from '../cli/run-captured.ts';
import type { NatsServerHandle } from '../infra/nats-server.ts';
import { startSecureNats } from '../infra/start-secure-nats.ts';
import { TEST_IMAGE } from '../test/harness/test-image.ts';
import { uniqueName } from '../test/harness/index.ts';
import { openAuthDir } from './auth-dir.ts';
import type { AuthDir } from './auth-dir.ts';
import { parseCreds, peekUserJwt } from './user-jwt.ts';

// `fleet provisioner` on a secure server, as an operator runs it: `fleet up --secure`, the
// provisioner on the credentials `fleet creds provisioner` issued, its launched workers
// enrolling on the enrollment creds, a producer's task run in a container of the real engine.

const host = inject('dockerHost');
const saved = process.env['DOCKER_HOST'];

describe('fleet provisioner on a secure server', { timeout: 180_000 }, () => {
  let dataDir: string;
  let auth: AuthDir;
  let server: NatsServerHandle;
  const root = uniqueName('spc');
  const stream = uniqueName('spc').toUpperCase();
  beforeAll(async () => {
    // The in-process provisioner's dockerode reads it, as the installed command does.
    process.env['DOCKER_HOST'] = host;
    dataDir = await mkdtemp(join(tmpdir(), 'fleet-secure-prov-'));
    auth = await openAuthDir(dataDir, { create: true });
    server = await startSecureNats({
      configPath: auth.configPath,
      admin: await auth.serviceCreds('admin'),
    });
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env['DOCKER_HOST'];
    else process.env['DOCKER_HOST'] = saved;
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const globals = () => ['--nats', server.url, '--root', root, '--stream', stream];

  it('runs on its own scoped credentials and launches a worker that runs a producer’s task', async () => {
    const stop = new AbortController();
    const up = runCaptured(
      [...globals(), 'up', '--secure', '--data-dir', dataDir, '--pools', 'gpu', '--no-hud'],
      { signal: stop.signal },
    );
    let provisioner: ReturnType<typeof runCaptured> | undefined;
    try {
      await expect.poll(() => up.stdout(), { timeout: 30_000 }).toMatch(/next: fleet/);
      const provCreds = join(dataDir, 'gpu-provisioner.creds');
      const issued = runCaptured([
        ...globals(),
        'creds',
        'provisioner',
        '--pool',
        'gpu',
        '--project',
        'health-prod',
        '--out',
        provCreds,
        '--data-dir',
        dataDir,
      ]);
      expect(await issued.done).toBe(0);
      expect((await stat(provCreds)).mode & 0o777).toBe(0o600);
      const { jwt, seed } = parseCreds(await readFile(provCreds, 'utf8'));
      expect(peekUserJwt(jwt).nats.pub?.allow).toContain(`${root}.health-prod.gpu.launch`);
      // Recorded for `fleet creds list` and `fleet creds revoke`; the seed never printed.
      expect(issued.stdout() + issued.stderr()).not.toContain(seed);
      const listed = runCaptured(['creds', 'list', '--data-dir', dataDir]);
      expect(await listed.done).toBe(0);
      expect(listed.stdout()).toMatch(/provisioner\s+health-prod/);

      const templates = join(dataDir, 'templates.json');
      await writeFile(
        templates,
        JSON.stringify([
          {
            name: 'box',
            runtime: { kind: 'docker', memoryMb: 64 },
            image: TEST_IMAGE,
            command: ['sh', '-c', 'cat "$FLEET_TASK_FILE"'],
          },
        ]),
      );
      provisioner = runCaptured(
        [
          ...globals(),
          '--creds',
          provCreds,
          'provisioner',
          '--pool',
          'gpu',
          '--templates',
          templates,
          '--heartbeat',
          '200ms',
          '--enroll-creds',
          auth.credsPath('enroll'),
        ],
        { signal: stop.signal },
      );
      await expect
        .poll(() => provisioner?.stdout(), { timeout: 30_000 })
        .toMatch(/provisioner of pool gpu running/);

      const producerCreds = join(dataDir, 'producer.creds');
      const producer = runCaptured([
        ...globals(),
        'creds',
        'producer',
        '--project',
        'health-prod',
        '--out',
        producerCreds,
        '--data-dir',
        dataDir,
      ]);
      expect(await producer.done).toBe(0);
      const submitted = runCaptured([
        ...globals(),
        '--creds',
        producerCreds,
        'submit',
        '--project',
        'health-prod',
        '--pool',
        'gpu',
        '--timeout',
        '30s',
        '--payload',
        '{"n":7}',
        '--wait',
      ]);
      expect(await submitted.done, submitted.stderr()).toBe(0);
      expect(submitted.stdout()).toContain('"n":7');
      expect(provisioner.stderr()).not.toMatch(/Permissions Violation/);
    } finally {
      stop.abort();
      await provisioner?.done;
      await up.done;
    }
  });
});
