import { afterEach, describe, expect, it } from 'vitest';
import type { PoolId, ProjectId, TaskId } from '../../events/index.ts';
import { startFakeCluster } from '../../test/support/fake-kubernetes.ts';
import type { JobScript } from '../../test/support/fake-kubernetes.ts';
import type { LaunchSpec } from '../launcher.ts';
import { kubernetesLauncher } from './kubernetes-launcher.ts';

// No cluster is reachable from these machines: the launcher's calls go to an HTTP server that
// implements the documented endpoints it uses (test/support/fake-kubernetes.ts).

let cluster: Awaited<ReturnType<typeof startFakeCluster>> | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

const spec = (over: Partial<LaunchSpec> = {}): LaunchSpec => ({
  taskId: 'task/with odd chars' as TaskId,
  project: 'p1' as ProjectId,
  pool: 'gpu' as PoolId,
  attempt: 2,
  input: '{"taskId":"t1","payload":{"n":1}}',
  env: { MODE: 'fast' },
  limits: { timeoutMs: 30_500, memoryMb: 64, cpus: 0.5 },
  signal: new AbortController().signal,
  ...over,
});

const launch = async (script: JobScript, over: Partial<LaunchSpec> = {}, owner = 'worker-a') => {
  cluster = await startFakeCluster(() => script);
  const launcher = kubernetesLauncher({
    kubeConfig: cluster.kubeConfig,
    namespace: 'fleet',
    image: 'registry.example/fleet-task:1',
    command: ['run-task'],
    owner,
    pollMs: 10,
    maxOutputBytes: 64,
  });
  return { launcher, result: await launcher.run(spec(over)) };
};

describe('the kubernetes launcher against a fake API server', () => {
  it('creates one Job per attempt with the limits, deadline and TTL, and deletes it', async () => {
    const { result } = await launch({ end: 'complete', log: '{"ok":true}\n' });
    expect(result).toMatchObject({
      outcome: 'succeeded',
      stdout: '{"ok":true}\n',
      truncated: false,
    });
    const [job] = cluster?.created ?? [];
    expect(job?.metadata?.name).toMatch(/^fleet-[0-9a-f]{12}-a2-[0-9a-f]{6}$/);
    expect(job?.metadata?.annotations).toMatchObject({ 'fleet.task': 'task/with odd chars' });
    expect(job?.spec).toMatchObject({
      backoffLimit: 0,
      activeDeadlineSeconds: 31,
      ttlSecondsAfterFinished: 60,
      template: { spec: { restartPolicy: 'Never' } },
    });
    const container = job?.spec?.template.spec?.containers[0];
    expect(container).toMatchObject({
      image: 'registry.example/fleet-task:1',
      command: ['run-task'],
      resources: {
        limits: { memory: '64Mi', cpu: '0.5' },
        requests: { memory: '64Mi', cpu: '0.5' },
      },
    });
    expect(container?.env).toEqual([
      { name: 'MODE', value: 'fast' },
      { name: 'FLEET_TASK', value: '{"taskId":"t1","payload":{"n":1}}' },
    ]);
    const deleted = cluster?.served.find((s) => s.method === 'DELETE');
    expect(deleted?.query.get('propagationPolicy')).toBe('Background');
    expect(cluster?.jobNames()).toEqual([]);
  });

  it('maps a failed pod to its exit code, with the log as the stderr tail', async () => {
    const { result } = await launch({ end: 'exit', exitCode: 3, log: 'no such model\n' });
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 3, stderr: 'no such model\n' });
  });

  it('maps DeadlineExceeded to a timeout', async () => {
    const { result } = await launch({ end: 'deadline' });
    expect(result.outcome).toBe('timed_out');
  });

  it('maps an OOMKilled container to memory exceeded', async () => {
    const { result } = await launch({ end: 'oom' });
    expect(result).toMatchObject({ outcome: 'memory_exceeded', exitCode: 137 });
  });

  it('maps an evicted pod (the node lost) to lost', async () => {
    const { result } = await launch({ end: 'evicted' });
    expect(result.outcome).toBe('lost');
    expect(result.detail).toMatch(/Evicted/);
  });

  it('reads at most the cap of the log, and says it was cut', async () => {
    const { result } = await launch({ end: 'complete', log: 'x'.repeat(500) });
    expect(result).toMatchObject({ outcome: 'succeeded', truncated: true, stdout: 'x'.repeat(64) });
    const log = cluster?.served.find((s) => s.path.endsWith('/log'));
    expect(log?.query.get('limitBytes')).toBe('65');
  });

  it('deletes the Job of an abandoned attempt', async () => {
    const abort = new AbortController();
    cluster = await startFakeCluster(() => ({ end: 'never' }));
    const launcher = kubernetesLauncher({
      kubeConfig: cluster.kubeConfig,
      namespace: 'fleet',
      image: 'img',
      pollMs: 10,
    });
    const running = launcher.run(spec({ signal: abort.signal }));
    await expect.poll(() => cluster?.jobNames().length).toBe(1);
    abort.abort();
    expect((await running).outcome).toBe('aborted');
    expect(cluster.jobNames()).toEqual([]);
  });

  it("reaps the Jobs of a dead worker of its own name, and nobody else's", async () => {
    cluster = await startFakeCluster(() => ({ end: 'never' }));
    const abort = new AbortController();
    const start = (owner: string) =>
      kubernetesLauncher({
        kubeConfig: cluster?.kubeConfig,
        namespace: 'fleet',
        image: 'i',
        owner,
        pollMs: 10,
      });
    // Two workers' attempts still running; then worker-a's process is gone and restarts.
    const runs = ['worker-a', 'worker-b'].map((o) => start(o).run(spec({ signal: abort.signal })));
    await expect.poll(() => cluster?.jobNames().length).toBe(2);
    const kept = cluster.created.find((j) => j.metadata?.labels?.['fleet.owner'] === 'worker-b');
    expect(await start('worker-a').reapOrphans()).toBe(1);
    expect(cluster.jobNames()).toEqual([kept?.metadata?.name]);
    // The reaped Job's launcher, had it still run, finds it gone: lost, not an error.
    expect((await runs[0])?.outcome).toBe('lost');
    abort.abort();
    expect((await runs[1])?.outcome).toBe('aborted');
  });

  it('refuses with a typed error when the cluster cannot be reached', async () => {
    cluster = await startFakeCluster(() => ({ end: 'never' }));
    const { kubeConfig } = cluster;
    await cluster.close();
    cluster = undefined;
    await expect(
      kubernetesLauncher({ kubeConfig, namespace: 'fleet', image: 'i' }).run(spec()),
    ).rejects.toMatchObject({ name: 'LaunchError', code: 'runtime_unavailable' });
  });
});
