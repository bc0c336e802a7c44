import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueKey } from '../actors/registrar/index.ts';
import { createWorker } from '../actors/worker/index.ts';
import type { WorkerLifecycleEvent } from '../actors/worker/index.ts';
import { EventLog } from '../log/index.ts';
import type { NatsServerHandle } from '../infra/nats-server.ts';
import { runCaptured } from '../cli/run-captured.ts';
import { submitTask, taskStatus } from '../client/index.ts';
import { uniqueName } from '../test/harness/index.ts';
import { allKeys, seedText } from './auth-material.ts';
import { openAuthDir } from './auth-dir.ts';
import type { AuthDir } from './auth-dir.ts';
import { ServiceRole } from './issue-creds.ts';
import { startSecureNats } from '../infra/start-secure-nats.ts';
import { UserCredentials } from './user-credentials.ts';
import { parseCreds } from './user-jwt.ts';

describe('fleet up --secure and fleet creds producer', () => {
  let dataDir: string;
  let auth: AuthDir;
  let server: NatsServerHandle;
  const root = uniqueName('cli');
  const stream = uniqueName('cli').toUpperCase();
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fleet-secure-cli-'));
    // The server an operator runs with the config `fleet up --secure` reuses (idempotent).
    auth = await openAuthDir(dataDir, { create: true });
    server = await startSecureNats({
      configPath: auth.configPath,
      admin: await auth.serviceCreds('admin'),
    });
  });
  afterAll(async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const globals = () => ['--nats', server.url, '--root', root, '--stream', stream];

  it('runs every service on its own credentials; a producer and a worker issued here work through it', async () => {
    const stop = new AbortController();
    const up = runCaptured(
      [...globals(), 'up', '--secure', '--data-dir', dataDir, '--pools', 'gpu', '--hud-port', '0'],
      { signal: stop.signal },
    );
    try {
      await expect.poll(() => up.stdout(), { timeout: 15_000 }).toMatch(/next: fleet/);
      expect(up.stdout()).toContain(auth.credsPath('enroll'));
      expect(up.stderr()).toContain(`must run with -c ${auth.configPath}`);

      const issued = runCaptured([
        ...globals(),
        'creds',
        'producer',
        '--project',
        'health-prod',
        '--data-dir',
        dataDir,
      ]);
      expect(await issued.done).toBe(0);
      expect(issued.stderr()).toMatch(/SECRET/);
      expect(issued.stderr()).toMatch(/inboxPrefix "_INBOX\.U/);
      const producerCreds = UserCredentials.fromCreds(issued.stdout());

      // Nothing secret was printed by `up`: no seed of the auth material or of a service.
      const seeds = allKeys(auth.material).map((kp) => seedText(kp));
      for (const role of Object.values(ServiceRole))
        seeds.push(parseCreds(await readFile(auth.credsPath(role), 'utf8')).seed);
      for (const seed of seeds) expect(up.stdout() + up.stderr()).not.toContain(seed);

      // A worker enrolls with the shared enrollment creds and works on its own.
      const admin = await connect({
        servers: server.url,
        ...(await auth.serviceCreds('admin')).connectOptions(),
      });
      const enroll = await connect({
        servers: server.url,
        ...UserCredentials.fromCreds(
          await readFile(auth.credsPath('enroll'), 'utf8'),
        ).connectOptions(),
      });
      const producer = await connect({ servers: server.url, ...producerCreds.connectOptions() });
      const events: WorkerLifecycleEvent[] = [];
      try {
        const log = await EventLog.open(admin, { root, stream });
        const key = await issueKey(log, { project: 'health-prod', pool: 'gpu' });
        const worker = await createWorker({
          nats: enroll,
          key: key.token,
          root,
          handler: () => Promise.resolve({ output: 'done' }),
          onEvent: (e) => events.push(e),
          connect: (c) => connect({ servers: server.url, ...c.connectOptions() }),
        });
        await expect
          .poll(() => events.some((e) => e.type === 'active'), { timeout: 10_000 })
          .toBe(true);
        await submitTask(
          producer,
          { taskId: 't1', project: 'health-prod', pool: 'gpu', requirements: {}, payload: {} },
          { root },
        );
        const status = await taskStatus(
          producer,
          { project: 'health-prod', pool: 'gpu', taskId: 't1', waitMs: 10_000 },
          { root },
        );
        expect(status.status).toBe('completed');
        await worker.drain();
      } finally {
        await Promise.allSettled([admin.close(), enroll.close(), producer.close()]);
      }
    } finally {
      stop.abort();
    }
    expect(await up.done).toBe(0);
    expect(up.stderr()).not.toMatch(/registrar:|dispatcher gpu:/);
  });

  it('writes a producer’s creds file with mode 0600 and never overwrites one', async () => {
    const out = join(dataDir, 'fin.creds');
    const args = [...globals(), 'creds', 'producer', '--project', 'fin-prod'];
    const first = runCaptured([...args, '--data-dir', dataDir, '--out', out, '--ttl', '2h']);
    expect(await first.done).toBe(0);
    expect((await stat(out)).mode & 0o777).toBe(0o600);
    const creds = UserCredentials.fromCreds(await readFile(out, 'utf8'));
    expect(creds.expiresAt).toBeGreaterThan(Date.now() + 2 * 60 * 60_000 - 60_000);
    expect(first.stdout()).not.toContain(parseCreds(await readFile(out, 'utf8')).seed);
    const again = runCaptured([...args, '--data-dir', dataDir, '--out', out]);
    expect(await again.done).toBe(2);
    const nowhere = runCaptured([...args, '--data-dir', join(dataDir, 'none')]);
    expect(await nowhere.done).toBe(2);
    expect(nowhere.stderr()).toMatch(/fleet up --secure/);
  });
});
