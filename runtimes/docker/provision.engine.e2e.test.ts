import { afterEach, describe, expect, inject, it } from 'vitest';
import { startProvisioner } from '../../actors/provisioner/index.ts';
import { RuntimeTemplate } from '../../events/index.ts';
import type { EventOf, RuntimeTemplateInput, TaskId } from '../../events/index.ts';
import { taskKey, waitReasonText, whyWaiting } from '../../domain/pool/index.ts';
import type { DispatchState } from '../../domain/pool/index.ts';
import { dockerAt, TEST_IMAGE } from '../../test/harness/test-image.ts';
import { HEARTBEAT_MS, pool, project, workerFleet } from '../../test/support/worker-fleet.ts';
import type { WorkerFleet } from '../../test/support/worker-fleet.ts';
import { templateHandlers } from '../template-handler.ts';
import { ContainerLabel } from './container-labels.ts';
import { dockerLauncher } from './docker-launcher.ts';

// On-demand launches on the real engine of the container tier (Podman's Docker API here):
// a pool with no worker, a task, a one-shot worker whose attempt runs in a fresh container of
// the template's image, which is removed afterwards; a template whose image is missing fails
// its launch and backs off.

const docker = dockerAt(inject('dockerHost'));
const owner = { host: `fleet-provision-${process.pid}`, pid: process.pid };

const box = (over: Partial<RuntimeTemplateInput> = {}) =>
  RuntimeTemplate.parse({
    name: 'box',
    runtime: { kind: 'docker', memoryMb: 64 },
    models: ['llama'],
    image: TEST_IMAGE,
    env: { GREETING: 'from a container' },
    cost: 2,
    ...over,
  } satisfies RuntimeTemplateInput);

let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.reverse()) await close();
  closers = [];
});

const until = (w: WorkerFleet, check: (s: DispatchState) => boolean): Promise<void> =>
  new Promise((resolve) => {
    if (check(w.d.host.state)) {
      resolve();
      return;
    }
    const off = w.d.host.onFold(() => {
      if (!check(w.d.host.state)) return;
      off();
      resolve();
    });
  });

const start = async (template: RuntimeTemplate) => {
  const w = await workerFleet();
  closers.push(() => w.close());
  const launcher = dockerLauncher({
    docker,
    image: TEST_IMAGE,
    command: [
      'sh',
      '-c',
      'cat "$FLEET_TASK_FILE" >/dev/null && echo "{\\"said\\":\\"$GREETING\\"}"',
    ],
    owner,
    stopGraceMs: 0,
  });
  const p = await startProvisioner({
    log: w.f.log,
    pool,
    templates: [template],
    handlerFor: templateHandlers(() => launcher),
    config: { backoffBaseMs: 60_000 },
    heartbeatMs: HEARTBEAT_MS,
    claimWaitMs: 1_000,
    tickMs: 100,
  });
  closers.push(() => p.stop());
  return w;
};

describe('launching docker workers on demand, on a real engine', { timeout: 90_000 }, () => {
  it('runs the task in a container of the template, then nothing is left running', async () => {
    const w = await start(box());
    await w.f.submit({ taskId: 't1', timeoutMs: 30_000 });
    await until(w, (s) => s.tasks.get(taskKey(project, 't1'))?.status === 'completed');
    expect((await w.endingReport('t1'))?.data).toMatchObject({
      output: { said: 'from a container' },
    });
    await until(w, (s) => Object.keys(s.launches.live).length === 0);
    // Scale to zero: no launched worker stays (one lost under load is launched again).
    const statuses = Object.values(w.d.host.state.workers).map((x) => x.status);
    expect(statuses).toContain('left');
    expect(statuses.filter((x) => x !== 'left' && x !== 'lost')).toEqual([]);
    const left = await docker.listContainers({
      all: true,
      filters: JSON.stringify({ label: [`${ContainerLabel.host}=${owner.host}`] }),
    });
    expect(left).toEqual([]);
  });

  it('a missing image fails the launch, which backs off and shows in why-waiting', async () => {
    const w = await start(box({ image: 'fleet-no-such-image:never' }));
    await w.f.submit({ taskId: 't1', timeoutMs: 30_000, maxAttempts: 3 });
    await until(w, (s) => s.launches.backoff['box'] !== undefined);
    // The failed attempt first waits out its retry backoff (in no queue); then the task waits
    // for the template, which backs off far longer.
    const key = taskKey(project, 't1');
    await until(w, (s) => s.tasks.get(key)?.status === 'queued' && s.delayed[key] === undefined);
    const launches = await w.eventsOn(w.f.log.subjects.launch(project, pool));
    const failed = launches.find((e): e is EventOf<'launch.failed'> => e.type === 'launch.failed');
    expect(failed?.data.code).toBe('runtime_not_found');
    expect(waitReasonText(whyWaiting(w.d.host.state, project, 't1' as TaskId))).toMatch(
      /^launch from template box \(docker\) failed 1x \(runtime_not_found: no image fleet-no-such-image:never/,
    );
  });
});
