import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { P } from '../test/support/builders.ts';
import { fleetFixture } from '../test/support/fleet-fixture.ts';
import type { FleetFixture } from '../test/support/fleet-fixture.ts';
import { runCaptured } from './run-captured.ts';
import type { CapturedRun } from './run-captured.ts';
import { snapshotBucket } from './snapshot-bucket.ts';

let f: FleetFixture;
const running: { run: CapturedRun; stop: AbortController }[] = [];

beforeEach(async () => {
  f = await fleetFixture();
});
afterEach(async () => {
  for (const r of running.splice(0)) {
    r.stop.abort();
    await r.run.done;
  }
  const bucket = snapshotBucket(f.log.stream, f.log.subjects.root);
  await f.log.jsm.streams.delete(`KV_${bucket}`).catch(() => undefined);
  await f.close();
});

const globals = () => [
  '--nats',
  inject('natsUrl'),
  '--root',
  f.log.subjects.root,
  '--stream',
  f.log.stream,
];
const start = (args: string[], env: Record<string, string> = {}) => {
  const stop = new AbortController();
  const run = runCaptured([...globals(), ...args], { signal: stop.signal, env });
  const handle = { run, stop };
  running.push(handle);
  return handle;
};
/** Stops a long-running command as a signal would, and returns its exit code. */
const stop = async (h: { run: CapturedRun; stop: AbortController }) => {
  running.splice(running.indexOf(h), 1);
  h.stop.abort();
  return h.run.done;
};

describe('fleet up, fleet worker and fleet submit together', () => {
  it('runs a task end to end through a worker wrapping a shell command, then stops cleanly', async () => {
    const up = start(['up', '--pools', 'gpu,cpu']);
    await expect.poll(() => up.run.stdout(), { timeout: 10_000 }).toMatch(/fleet is up/);
    expect(up.run.stdout()).toMatch(/dispatchers: gpu, cpu/);
    expect(up.run.stdout()).toContain(inject('natsUrl'));

    const key = runCaptured([
      ...globals(),
      'keys',
      'create',
      '--project',
      P.health,
      '--pool',
      'gpu',
    ]);
    expect(await key.done).toBe(0);
    const token = key.stdout().split('\n')[0] ?? '';

    // The key comes from the environment, as operators should pass it.
    const worker = start(
      ['worker', '--models', 'llama', '--label', 'vram=80', '--exec', 'cat', '--capacity', '2'],
      { FLEET_KEY: token },
    );
    await expect.poll(() => worker.run.stdout(), { timeout: 10_000 }).toMatch(/claiming work/);
    expect(worker.run.stdout()).not.toContain(token);

    const submit = runCaptured([
      ...globals(),
      'submit',
      '--project',
      P.health,
      '--pool',
      'gpu',
      '--model',
      'llama',
      '--require',
      'vram>=40',
      '--payload',
      '{"n":1}',
      '--id',
      'e2e-1',
      '--wait',
      '--json',
    ]);
    expect(await submit.done).toBe(0);
    expect(JSON.parse(submit.stdout())).toMatchObject({
      taskId: 'e2e-1',
      status: 'completed',
      // `cat` echoes the task it got on stdin.
      output: { taskId: 'e2e-1', project: P.health, pool: 'gpu', attempt: 1, payload: { n: 1 } },
    });
    expect(worker.run.stdout()).toMatch(/task e2e-1 attempt 1: completed in \d+ ms/);

    // A signal drains the worker, which leaves; then `up` stops its actors.
    expect(await stop(worker)).toBe(0);
    expect(worker.run.stdout()).toMatch(/draining[\s\S]*left the pool/);
    expect(await stop(up)).toBe(0);
    expect(up.run.stdout()).toMatch(/stopped\n$/);
    const workers = runCaptured([...globals(), 'workers', 'list', '--json']);
    expect(await workers.done).toBe(0);
    expect(JSON.parse(workers.stdout())).toMatchObject([
      { status: 'left', labels: { vram: '80' } },
    ]);
  });

  it('fails clearly when the worker’s key is missing or refused', async () => {
    const none = runCaptured([...globals(), 'worker', '--exec', 'true']);
    expect(await none.done).toBe(2);
    expect(none.stderr()).toBe(
      'error [invalid_input]: a key is required: --key <token> or FLEET_KEY\n',
    );
    const registrar = start(['registrar']);
    await expect.poll(() => registrar.run.stdout()).toMatch(/registrar running/);
    const fake = `fk_k0123456789abcdef_${'a'.repeat(43)}`;
    const refused = runCaptured([...globals(), 'worker', '--key', fake, '--exec', 'true']);
    expect(await refused.done).toBe(2);
    expect(refused.stderr()).toMatch(/^error \[refused\]: .*k0123456789abcdef/);
    expect(refused.stderr()).not.toContain('a'.repeat(43));
  });
});
