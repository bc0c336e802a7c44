import { existsSync } from 'node:fs';
import { connect } from '@nats-io/transport-node';
import { startDispatcher } from '../../actors/dispatcher/dispatcher.ts';
import type { Dispatcher } from '../../actors/dispatcher/dispatcher.ts';
import { startProvisioner } from '../../actors/provisioner/index.ts';
import type { Provisioner } from '../../actors/provisioner/index.ts';
import { issueKey, startRegistrar } from '../../actors/registrar/index.ts';
import type { Registrar } from '../../actors/registrar/index.ts';
import { createWorker } from '../../actors/worker/index.ts';
import type { Worker } from '../../actors/worker/index.ts';
import { awaitTask, submitTasks } from '../../client/index.ts';
import type { TaskOutcome } from '../../client/index.ts';
import { RuntimeTemplates } from '../../events/index.ts';
import type { PoolId, RuntimeKind } from '../../events/index.ts';
import { audit } from '../../projections/audit/index.ts';
import { dockerLauncher } from '../../runtimes/docker/index.ts';
import { lambdaLauncher, lambdaTaskHandler } from '../../runtimes/lambda/index.ts';
import type { Launcher } from '../../runtimes/launcher.ts';
import { templateHandlers } from '../../runtimes/template-handler.ts';
import { dockerAt, ensureTestImage, TEST_IMAGE } from '../../test/harness/test-image.ts';
import { startFakeLambda } from '../../test/support/fake-lambda.ts';
import { narrator } from '../narrator.ts';
import { openFreshLog } from '../open-fresh-log.ts';
import { readStream } from '../read-stream.ts';
import { within } from '../within.ts';
import type { ClassResult, RuntimesResult } from './runtimes-result.ts';
import { POOL, PROJECT, TASK_CLASSES, templates } from './task-classes.ts';

/** Options of {@link runRuntimes}. */
export interface RuntimesOptions {
  readonly natsUrl: string;
  /** The container engine (default `DOCKER_HOST`, else the socket of scripts/container-engine.sh). */
  readonly dockerHost?: string;
  readonly root?: string;
  readonly stream?: string;
  readonly log?: (line: string) => void;
  readonly color?: boolean;
  readonly limitMs?: number;
}

const ENGINE_SOCKET = '/run/fleet-engine.sock';

const engineHost = (given: string | undefined): string => {
  const host =
    given ??
    process.env['DOCKER_HOST'] ??
    (existsSync(ENGINE_SOCKET) ? `unix://${ENGINE_SOCKET}` : undefined);
  if (host === undefined)
    throw new Error(
      'no container engine: start one with scripts/container-engine.sh start (as root), or set DOCKER_HOST',
    );
  return host;
};

/**
 * One pool, three runtimes: process workers already running, Docker containers launched on
 * demand, and Lambda invocations launched on demand. Tasks of four classes with different
 * needs are submitted; each lands on the runtime that fits, warm first, then the cheapest; the
 * summary says which runtime ran each class and why, and checks it against the stream.
 */
export const runRuntimes = async (options: RuntimesOptions): Promise<RuntimesResult> => {
  const { out, step, c, table, mark } = narrator(options);
  const root = options.root ?? 'fleetrt';
  const stream = options.stream ?? 'FLEET_RUNTIMES';
  const limitMs = options.limitMs ?? 120_000;
  const problems: string[] = [];
  out(c.bold('Fleet — one pool, three runtimes'));
  out('Process workers run all along; Docker containers and Lambda invocations are launched per');
  out('task when no live worker fits, from runtime templates: the fit first (a Lambda only for');
  out('tasks within its duration and memory), then a warm worker, then the cheaper template.');
  out('');

  const host = engineHost(options.dockerHost);
  const docker = dockerAt(host);
  await ensureTestImage(docker);
  // No AWS account here: Lambda's Invoke endpoint, served locally, runs Fleet's Lambda entry point.
  const lambda = await startFakeLambda({
    'fleet-task': {
      handler: lambdaTaskHandler(() => Promise.resolve({ output: { ranOn: 'lambda' } })),
      timeoutMs: 10_000,
    },
  });
  const nc = await connect({ servers: options.natsUrl, name: 'runtimes-example' });
  const workers: Worker[] = [];
  let registrar: Registrar | undefined;
  let dispatcher: Dispatcher | undefined;
  let provisioner: Provisioner | undefined;
  const classes: ClassResult[] = [];
  const pool = POOL as PoolId;
  try {
    const log = await openFreshLog(nc, { stream, root });
    step(
      `NATS ${options.natsUrl}, stream ${stream} (fresh); engine ${host}; Lambda (local Invoke endpoint)`,
    );
    registrar = await startRegistrar({ log });
    dispatcher = await startDispatcher({ log, pool, config: { heartbeatMs: 500 } });
    const key = await issueKey(log, {
      project: PROJECT,
      pool,
      maxUses: 2,
      name: 'process workers',
    });
    for (let i = 0; i < 2; i += 1)
      workers.push(
        await createWorker({
          nats: nc,
          root,
          key: key.token,
          capacity: 2,
          heartbeatMs: 500,
          claimWaitMs: 1_000,
          handler: () => Promise.resolve({ output: { ranOn: 'process' } }),
        }),
      );
    step('2 process workers enrolled (capacity 2 each)');
    const parsed = RuntimeTemplates.parse(templates(TEST_IMAGE));
    const box = parsed.find((t) => t.name === 'box');
    const launchers: Record<string, Launcher> = {
      fn: lambdaLauncher({ client: lambda.client, functionName: 'fleet-task' }),
      box: dockerLauncher({
        docker,
        image: TEST_IMAGE,
        ...(box?.command === undefined ? {} : { command: box.command }),
        owner: { host: `runtimes-example-${process.pid}`, pid: process.pid },
        stopGraceMs: 0,
      }),
    };
    provisioner = await startProvisioner({
      log,
      pool,
      templates: parsed,
      handlerFor: templateHandlers((t) => launchers[t.name]),
      heartbeatMs: 500,
      claimWaitMs: 1_000,
      tickMs: 200,
      onEvent: (e) => {
        if (e.type === 'requested')
          step(
            `launch ${e.event.data.template} (${e.event.data.runtime}) for ${e.event.data.taskId}`,
          );
        if (e.type === 'failed')
          step(c.red(`launch failed: ${e.problem.code}: ${e.problem.message}`));
      },
    });
    step(
      `provisioner with templates ${parsed.map((t) => `${t.name} (${t.runtime.kind}, cost ${t.cost})`).join(', ')}`,
    );
    const inputs = TASK_CLASSES.flatMap((k) =>
      Array.from({ length: k.count }, (_, i) => k.input(i)),
    );
    await submitTasks(nc, inputs, { root });
    step(
      `${inputs.length} tasks submitted: ${TASK_CLASSES.map((k) => `${k.count} ${k.name}`).join(', ')}`,
    );
    const outcomes = await within(
      Promise.all(
        inputs.map(
          async (t) =>
            [
              String(t.taskId),
              await awaitTask(
                nc,
                { project: PROJECT, pool: POOL, taskId: String(t.taskId), timeoutMs: limitMs },
                { root, stream },
              ),
            ] as [string, TaskOutcome],
        ),
      ),
      limitMs,
      'the tasks did not all end in time',
    );
    const byId = new Map(outcomes);
    for (const k of TASK_CLASSES) {
      const mine = Array.from({ length: k.count }, (_, i) => byId.get(`${k.name}-${i}`));
      const ranOn = [
        ...new Set(mine.map((o) => (o?.output as { ranOn?: RuntimeKind } | undefined)?.ranOn)),
      ].filter((r): r is RuntimeKind => r !== undefined);
      const reason = mine.find((o) => o?.runtime !== undefined)?.runtime?.reason;
      classes.push({
        name: k.name,
        tasks: k.count,
        completed: mine.filter((o) => o?.status === 'completed').length,
        ranOn,
        expected: k.expect,
        why: reason ?? 'warm: live process workers fit and had room (no launch)',
      });
    }
    // Scale to zero: every launched worker leaves after its one task.
    await within(
      new Promise<void>((resolve) => {
        const done = () => Object.keys(dispatcher?.host.state.launches.live ?? {}).length === 0;
        if (done()) resolve();
        const off = dispatcher?.host.onFold(() => {
          if (!done()) return;
          off?.();
          resolve();
        });
      }),
      30_000,
      'launched workers did not all leave',
    );
    const activeAtEnd = Object.values(dispatcher.host.state.workers).filter(
      (w) => w.status === 'active',
    ).length;
    const launches: Record<string, number> = {};
    const stored = await readStream(log);
    for (const { entry } of stored)
      for (const e of 'events' in entry ? entry.events : [])
        if (e.type.startsWith('launch.')) launches[e.type] = (launches[e.type] ?? 0) + 1;
    // The independent auditor re-checks every launch against the provisioner's rule.
    const report = await audit(
      stored.map((item) => ({
        subject: item.subject,
        entry: item.entry,
        seq: item.entry.seq,
        at: item.entry.at,
      })),
    );
    const launchBreaches = report.violations.filter((v) => v.kind.startsWith('launch_'));

    out('');
    out(c.bold('Which runtime ran each class, and why'));
    table([
      ['CLASS', 'TASKS', 'DONE', 'RAN ON', 'EXPECTED'],
      ...classes.map((k) => [
        k.name,
        String(k.tasks),
        String(k.completed),
        k.ranOn.join(','),
        k.expected,
      ]),
    ]);
    for (const k of classes) out(`  ${c.cyan(k.name)}: ${k.why}`);
    out('');
    out(
      `  launches on the stream: ${
        Object.entries(launches)
          .map(([t, n]) => `${n} ${t}`)
          .join(', ') || 'none'
      }`,
    );
    out(`  workers active at the end: ${activeAtEnd} (the 2 process workers; launched ones left)`);
    out(
      `  audit: ${report.counts.launches['launch.requested'] ?? 0} launches re-checked against ` +
        `the provisioner's rule: ${launchBreaches.length} breaches, ${report.violations.length} violations in all`,
    );
    for (const k of classes) {
      if (k.completed !== k.tasks)
        problems.push(`${k.name}: ${k.completed} of ${k.tasks} completed`);
      if (k.ranOn.length !== 1 || k.ranOn[0] !== k.expected)
        problems.push(`${k.name} ran on ${k.ranOn.join(',')}, expected ${k.expected}`);
    }
    if ((launches['launch.failed'] ?? 0) > 0) problems.push('a launch failed');
    for (const v of report.violations) problems.push(`audit: ${v.kind}: ${v.detail}`);
    if (activeAtEnd !== 2) problems.push(`${activeAtEnd} workers active at the end, expected 2`);
    out('');
    out(
      `${mark(problems.length === 0)} ${problems.length === 0 ? 'every class ran where it fits' : problems.join('; ')}`,
    );
    return { ok: problems.length === 0, problems, classes, launches, activeAtEnd };
  } finally {
    await provisioner?.stop();
    for (const w of workers) await w.drain().catch(() => undefined);
    await dispatcher?.stop();
    await registrar?.stop();
    await lambda.close();
    await nc.drain();
  }
};
