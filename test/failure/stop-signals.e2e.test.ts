import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startNatsServer, uniqueName } from '../harness/index.ts';
import type { NatsServerHandle } from '../harness/index.ts';
import { spawnFleet } from '../support/spawn-fleet.ts';
import type { SpawnedFleet } from '../support/spawn-fleet.ts';

// The issue asks for it in so many words: every long-running command stops within 5 s of
// SIGTERM whatever the state of NATS, and a second signal ends it at once. Each command runs
// as the installed binary runs, in a process of its own, so the signal reaches it directly.

/** The requirement: exit within this long of SIGTERM. */
const STOP_WITHIN_MS = 5_000;

const servers: NatsServerHandle[] = [];
const spawned: SpawnedFleet[] = [];
afterEach(async () => {
  for (const s of spawned.splice(0)) if (s.child.exitCode === null) s.child.kill('SIGKILL');
  for (const s of servers.splice(0)) await s.stop();
});

/** Every long-running command, and the line it prints once it runs. */
const COMMANDS: readonly { args: readonly string[]; ready: RegExp }[] = [
  { args: ['registrar'], ready: /registrar running/ },
  { args: ['dispatcher', '--pool', 'gpu'], ready: /dispatcher of pool gpu running/ },
  { args: ['gateway'], ready: /gateway running/ },
  { args: ['hud', '--port', '0'], ready: /HUD at/ },
  { args: ['top', '--interval', '200ms'], ready: /fleet top/ },
  { args: ['events', '--follow'], ready: /following the log/ },
  { args: ['up', '--no-hud', '--pools', 'cpu'], ready: /fleet is up/ },
];

/** A server, and every long-running command (a worker too) running on it. */
const fleetOnNats = async () => {
  const server = await startNatsServer();
  servers.push(server);
  const globals = ['--nats', server.url, '--root', uniqueName('sig'), '--stream', 'SIGTEST'];
  const key = spawnFleet([...globals, 'keys', 'create', '--project', 'p1', '--pool', 'gpu']);
  expect((await key.exited).code).toBe(0);
  const token = key.stdout().split('\n')[0] ?? '';
  const start = (args: readonly string[], env: Record<string, string> = {}) => {
    const run = spawnFleet([...globals, ...args], env);
    spawned.push(run);
    return { name: args[0] ?? '', run };
  };
  const commands = COMMANDS.map((c) => ({ ...start(c.args), ready: c.ready }));
  for (const c of commands) await c.run.waitFor(c.ready);
  // After the registrar, which answers its enrollment.
  const worker = start(['worker', '--exec', 'cat'], { FLEET_KEY: token });
  await worker.run.waitFor(/enrolled in project p1/);
  commands.push({ ...worker, ready: /enrolled/ });
  return { server, commands };
};

/** Sends SIGTERM and measures how long the process takes to exit. */
const terminate = async (run: SpawnedFleet) => {
  const sent = performance.now();
  run.child.kill('SIGTERM');
  const { code } = await run.exited;
  return { code, ms: performance.now() - sent };
};

describe('a long-running command and SIGTERM', { timeout: 180_000 }, () => {
  it('stops within 5 s with NATS up, cleanly', async () => {
    const { commands } = await fleetOnNats();
    for (const c of commands) {
      const { code, ms } = await terminate(c.run);
      expect({ command: c.name, code, within: ms < STOP_WITHIN_MS }).toEqual({
        command: c.name,
        code: 0,
        within: true,
      });
    }
  });

  it('stops within 5 s with its nats-server gone', async () => {
    const { server, commands } = await fleetOnNats();
    server.process.kill('SIGKILL');
    for (const c of commands) {
      const { ms } = await terminate(c.run);
      expect({ command: c.name, within: ms < STOP_WITHIN_MS }).toEqual({
        command: c.name,
        within: true,
      });
    }
  });

  it('stops within 5 s when the nats-server it embeds is gone', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'fleet-sig-'));
    try {
      const up = spawnFleet(['up', '--no-hud', '--data-dir', dataDir]);
      spawned.push(up);
      await up.waitFor(/fleet is up/);
      // The embedded server's pid, as `fleet up` records it for the commands that follow.
      const { pid } = JSON.parse(await readFile(join(dataDir, 'nats.json'), 'utf8')) as {
        pid: number;
      };
      process.kill(pid, 'SIGKILL');
      const { ms } = await terminate(up);
      expect(ms).toBeLessThan(STOP_WITHIN_MS);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('exits at once on a second signal', async () => {
    const { server, commands } = await fleetOnNats();
    server.process.kill('SIGKILL');
    const worker = commands.find((c) => c.name === 'worker')?.run;
    if (worker === undefined) throw new Error('no worker');
    const sent = performance.now();
    worker.child.kill('SIGTERM');
    await worker.waitFor(/SIGTERM: draining/);
    worker.child.kill('SIGTERM');
    const { code } = await worker.exited;
    expect(worker.stderr()).toMatch(/SIGTERM again: exiting at once/);
    expect(code).toBe(143);
    expect(performance.now() - sent).toBeLessThan(STOP_WITHIN_MS);
  });
});
