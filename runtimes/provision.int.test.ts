import { afterEach, describe, expect, it } from 'vitest';
import { startProvisioner } from '../actors/provisioner/index.ts';
import type { Provisioner } from '../actors/provisioner/index.ts';
import { taskStatus } from '../client/index.ts';
import { audit, readLog } from '../projections/audit/index.ts';
import type { AuditItem } from '../projections/audit/index.ts';
import { RuntimeTemplate } from '../events/index.ts';
import type { EventOf, RuntimeTemplateInput } from '../events/index.ts';
import { taskKey } from '../domain/pool/index.ts';
import type { DispatchState } from '../domain/pool/index.ts';
import { startFakeCluster } from '../test/support/fake-kubernetes.ts';
import { startFakeLambda } from '../test/support/fake-lambda.ts';
import { HEARTBEAT_MS, pool, project, workerFleet } from '../test/support/worker-fleet.ts';
import type { WorkerFleet } from '../test/support/worker-fleet.ts';
import { kubernetesLauncher } from './kubernetes/index.ts';
import { lambdaLauncher, lambdaTaskHandler } from './lambda/index.ts';
import type { Launcher } from './launcher.ts';
import { templateHandlers } from './template-handler.ts';

// Launches through the real launchers: Lambda's documented Invoke endpoint and the Kubernetes
// API's Job endpoints, each served by an HTTP server of the test (no cloud is reachable here).

const template = (t: RuntimeTemplateInput) => RuntimeTemplate.parse(t);
const fn = template({
  name: 'fn',
  runtime: { kind: 'lambda', maxDurationMs: 60_000, memoryMb: 512 },
  models: ['llama'],
  cost: 1,
  maxConcurrent: 2,
});
const job = template({
  name: 'job',
  runtime: { kind: 'kubernetes', memoryMb: 8192 },
  models: ['llama'],
  image: 'registry.example/fleet-task:1',
  cost: 5,
  maxConcurrent: 2,
});

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
const allEnded = (ids: string[]) => (s: DispatchState) =>
  ids.every((id) => {
    const t = s.tasks.get(taskKey(project, id));
    // Not yet folded is not ended: the submission may still be on its way to this fold.
    return t !== undefined && ['completed', 'failed', 'dead_lettered'].includes(t.status);
  });

const setUp = async (functionName: string) => {
  const w = await workerFleet();
  closers.push(() => w.close());
  const lambda = await startFakeLambda({
    'fleet-task': {
      handler: lambdaTaskHandler((t) =>
        Promise.resolve({ output: { ranOn: 'lambda', got: t.payload } }),
      ),
      timeoutMs: 5_000,
    },
  });
  closers.push(() => lambda.close());
  const cluster = await startFakeCluster(() => ({
    end: 'complete',
    log: '{"ranOn":"kubernetes"}\n',
  }));
  closers.push(() => cluster.close());
  const launchers: Record<string, Launcher> = {
    fn: lambdaLauncher({ client: lambda.client, functionName }),
    job: kubernetesLauncher({
      kubeConfig: cluster.kubeConfig,
      namespace: 'fleet',
      image: 'unused',
      owner: 'provisioner-test',
      pollMs: 10,
    }),
  };
  const p: Provisioner = await startProvisioner({
    log: w.f.log,
    pool,
    templates: [fn, job],
    handlerFor: templateHandlers((t) => launchers[t.name]),
    config: { backoffBaseMs: 60_000 },
    heartbeatMs: HEARTBEAT_MS,
    claimWaitMs: 1_000,
    tickMs: 100,
  });
  closers.push(() => p.stop());
  return { w, lambda, cluster };
};

describe('launching per task through the real launchers', () => {
  it('puts each task on the runtime that fits it, the cheapest first, and says why', async () => {
    const { w, lambda, cluster } = await setUp('fleet-task');
    await w.f.submit(
      { taskId: 'short', timeoutMs: 30_000, payload: 'hi' },
      { taskId: 'long', timeoutMs: 120_000 },
      { taskId: 'big', timeoutMs: 30_000, requirements: { models: ['llama'], memoryMb: 2048 } },
    );
    await until(w, allEnded(['short', 'long', 'big']));
    expect((await w.endingReport('short'))?.data).toMatchObject({
      output: { ranOn: 'lambda', got: 'hi' },
    });
    expect((await w.endingReport('long'))?.data).toMatchObject({ output: { ranOn: 'kubernetes' } });
    expect((await w.endingReport('big'))?.data).toMatchObject({ output: { ranOn: 'kubernetes' } });
    expect(lambda.invocations.map((i) => (i.event as { taskId: string }).taskId)).toEqual([
      'short',
    ]);
    expect(cluster.created).toHaveLength(2);
    // `fleet status` reads this reply: the runtime chosen and why.
    const status = await taskStatus(
      w.f.nc,
      { project, pool, taskId: 'long' },
      { root: w.f.log.subjects.root },
    );
    expect(status.runtime).toMatchObject({ kind: 'kubernetes', template: 'job' });
    expect(status.runtime?.reason).toMatch(/unfit: fn \(lambda\): timeout 120000 ms exceeds/);
    const short = await taskStatus(
      w.f.nc,
      { project, pool, taskId: 'short' },
      { root: w.f.log.subjects.root },
    );
    // The audit counts the launches and finds every decision legitimate.
    const items: AuditItem[] = [];
    await readLog(w.f.log, (item) => {
      items.push(item);
      return undefined;
    });
    const report = await audit(items);
    expect(report.ok).toBe(true);
    expect(report.counts.launches).toEqual({ 'launch.requested': 3, 'launch.started': 3 });
    expect(short.runtime?.reason).toMatch(
      /fn \(lambda, cost 1\) is the cheapest ready fit \(over job/,
    );
  });

  it('a function that does not exist fails the launch: that template backs off, the next fit runs it', async () => {
    const { w } = await setUp('no-such-function');
    // The template's backoff as the pool folds it. (Why the task waits while it lasts depends on
    // timing: first the failed attempt's own retry backoff, then possibly the next launch; the
    // Docker provision test reads that text once the retry backoff is over.)
    const backoffs = new Set<number>();
    const off = w.d.host.onFold(() => {
      const b = w.d.host.state.launches.backoff['fn'];
      if (b !== undefined) backoffs.add(b.failures);
    });
    await w.f.submit({ taskId: 't1', timeoutMs: 30_000, maxAttempts: 2 });
    await until(w, allEnded(['t1']));
    // The failed launch is stored by the provisioner, not with the task: it may come after.
    await expect.poll(() => backoffs.size).toBe(1);
    off();
    const launches = await w.eventsOn(w.f.log.subjects.launch(project, pool));
    const failed = launches.find((e): e is EventOf<'launch.failed'> => e.type === 'launch.failed');
    expect(failed?.data.code).toBe('runtime_not_found');
    expect([...backoffs]).toEqual([1]);
    const requested = launches.filter(
      (e): e is EventOf<'launch.requested'> => e.type === 'launch.requested',
    );
    expect(requested.map((e) => e.data.template)).toEqual(['fn', 'job']);
    expect(requested[1]?.data.reason).toContain('over fn (lambda, cost 1) backing off');
    expect((await w.endingReport('t1'))?.data).toMatchObject({ output: { ranOn: 'kubernetes' } });
  });
});
