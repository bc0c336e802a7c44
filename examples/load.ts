/**
 * Fleet under load, live on the HUD: three tenants with eight workers each in two pools (mixed
 * models and runtimes), thousands of tasks with mixed models, priorities and payload sizes,
 * some failing (retried, a few for good), and one worker killed midway whose tasks move to
 * others. At the end the whole stream is read back to check that every task ended where it
 * should and that no task crossed tenants.
 *
 *   npm run example:load        (NATS_URL to use a running server, else an embedded one)
 *   npm run example:load -- --tasks 5000 --hud-port 7480
 *   npm run example:load -- --watch     (starts once the HUD page is open; keeps it up after)
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { startDispatcher } from '../actors/dispatcher/dispatcher.ts';
import type { Dispatcher } from '../actors/dispatcher/dispatcher.ts';
import { EventLog } from '../log/index.ts';
import type { TailItem } from '../log/index.ts';
import { issueKey, startRegistrar } from '../actors/registrar/index.ts';
import type { Registrar } from '../actors/registrar/index.ts';
import { createWorker, TaskError } from '../actors/worker/index.ts';
import type { TaskHandler, Worker } from '../actors/worker/index.ts';
import { submitTasks } from '../client/index.ts';
import type { TaskInput } from '../client/index.ts';
import { ensureNats } from '../infra/embedded-nats.ts';
import { isReadable } from '../events/index.ts';
import type { PoolId, ProjectId, RuntimeKind, WorkerId } from '../events/index.ts';
import { startHud } from '../hud/index.ts';
import type { Hud } from '../hud/index.ts';
import { Auditor } from '../projections/audit/index.ts';
import type { AuditReport } from '../projections/audit/index.ts';
import { startProjections } from '../projections/index.ts';
import type { Projections } from '../projections/index.ts';
import { narrator } from './narrator.ts';
import { openFreshLog } from './open-fresh-log.ts';
import { readStream } from './read-stream.ts';
import { runAsScript } from './run-as-script.ts';
import { verifyIsolation } from './verify-isolation.ts';
import type { IsolationReport } from './verify-isolation.ts';
import { within } from './within.ts';

/** Options of {@link runLoad}. */
export interface LoadOptions {
  readonly natsUrl: string;
  /** Subject root of the example's own fleet; default `fleetload`. */
  readonly root?: string;
  /** Its stream, deleted first so every run starts clean; default `FLEET_LOAD`. */
  readonly stream?: string;
  /** Tasks submitted, spread over the tenants and pools; default 2,000. */
  readonly tasks?: number;
  /** Where the narration goes, one line at a time; default `console.log`. */
  readonly log?: (line: string) => void;
  readonly color?: boolean;
  /** The HUD's port (0: any free one); default 7480, or a free one when that is taken. */
  readonly hudPort?: number;
  /** The run fails when it takes longer; default 180 s. */
  readonly limitMs?: number;
  /** Before submitting anything, wait this long at most for a HUD page to connect. */
  readonly waitForViewerMs?: number;
  /** Runs after the verdict, while the HUD is still up (to keep it up: resolve later). */
  readonly afterRun?: () => Promise<void>;
}

/** Percentiles of one latency, in milliseconds. */
export interface Percentiles {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** What a run showed. */
export interface LoadResult {
  /** No leak, no lost task, the killed worker's tasks ended elsewhere, within the limit. */
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly elapsedMs: number;
  readonly submitted: number;
  /** Tasks by how they ended, as the stream's fold says. */
  readonly ended: Readonly<Record<string, number>>;
  /** Completed tasks per second, first submission to last completion. */
  readonly throughput: number;
  /** Submission to first assignment, and submission to completion, from stream timestamps. */
  readonly latency: { readonly toStart: Percentiles; readonly toComplete: Percentiles };
  /** The worker killed midway and the attempts it held then (`project/taskId`, attempt). */
  readonly killed:
    | {
        readonly workerId: string;
        readonly held: readonly { readonly key: string; readonly attempt: number }[];
      }
    | undefined;
  /** How many of those attempts were given to another worker afterwards. */
  readonly rerouted: number;
  /** The HUD's URL with the operator token, while it ran. */
  readonly hudUrl: string;
  readonly report: IsolationReport;
  /** The independent auditor's verdict on the whole stream (`fleet audit`). */
  readonly audit: AuditReport;
}

const TENANTS = ['health-prod', 'fin-prod', 'media-prod'] as ProjectId[];
const GPU = 'gpu' as PoolId;
const CPU = 'cpu' as PoolId;
const POOLS = [GPU, CPU] as const;

interface WorkerSpec {
  readonly pool: PoolId;
  readonly models: readonly string[];
  readonly runtime: RuntimeKind;
  readonly capacity: number;
}

/** Each tenant's eight workers: four per pool, overlapping model sets, every runtime. */
const FLEET: readonly WorkerSpec[] = [
  { pool: GPU, models: ['llama3-70b', 'mixtral-8x7b'], runtime: 'kubernetes', capacity: 4 },
  { pool: GPU, models: ['llama3-70b'], runtime: 'docker', capacity: 3 },
  { pool: GPU, models: ['mixtral-8x7b', 'llama3-70b'], runtime: 'process', capacity: 3 },
  { pool: GPU, models: ['llama3-8b', 'llama3-70b'], runtime: 'lambda', capacity: 2 },
  { pool: CPU, models: ['mistral-7b', 'phi-3'], runtime: 'process', capacity: 4 },
  { pool: CPU, models: ['phi-3'], runtime: 'docker', capacity: 3 },
  { pool: CPU, models: ['mistral-7b'], runtime: 'lambda', capacity: 2 },
  { pool: CPU, models: ['mistral-7b', 'phi-3', 'gemma-2b'], runtime: 'kubernetes', capacity: 4 },
];
/**
 * Workers that may be killed midway: every model they serve is served by another worker of
 * their tenant and pool too (the lambda GPU worker alone serves llama3-8b, the kubernetes
 * CPU worker alone gemma-2b), so what they held can always run elsewhere.
 */
const KILLABLE = new Set([0, 1, 2, 4, 5, 6]);

/** What tasks ask for per pool; a list means any of those models will do. */
const DEMANDS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  [GPU]: [['llama3-70b'], ['mixtral-8x7b'], ['llama3-70b', 'mixtral-8x7b'], ['llama3-8b']],
  [CPU]: [['mistral-7b'], ['phi-3'], ['mistral-7b', 'phi-3'], ['gemma-2b']],
};
/** USD per 1,000 tokens. */
const PRICES: Readonly<Record<string, number>> = {
  'llama3-70b': 0.0009,
  'mixtral-8x7b': 0.0006,
  'llama3-8b': 0.0002,
  'mistral-7b': 0.0002,
  'phi-3': 0.0001,
  'gemma-2b': 0.0001,
};
const PRIORITIES = [0, 0, 0, 0, 5, 10, -5] as const;
const PAYLOAD_BYTES = [64, 64, 512, 2_048, 8_192, 24_576] as const;

/** A deterministic hash in [0, 1) of a text: which tasks fail does not depend on timing. */
const unit = (text: string): number => {
  let h = 2166136261;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0) / 2 ** 32;
};

/** How a task is meant to end. */
const fate = (taskId: string): 'poison' | 'bad_input' | 'flaky' | 'fine' => {
  const u = unit(taskId);
  if (u < 0.01) return 'poison'; // fails every attempt: dead-lettered after the last
  if (u < 0.015) return 'bad_input'; // fails at once, not retryable
  if (u < 0.065) return 'flaky'; // fails its first attempt, then succeeds
  return 'fine';
};

const taskMix = (count: number, seed: string): TaskInput[] =>
  Array.from({ length: count }, (_, i) => {
    const project = TENANTS[i % TENANTS.length] ?? ('health-prod' as ProjectId);
    const pool = unit(`${seed}pool${i}`) < 0.6 ? GPU : CPU;
    const demands = DEMANDS[pool] ?? [];
    const models = demands[Math.floor(unit(`${seed}m${i}`) * demands.length)] ?? ['llama3-70b'];
    const bytes = PAYLOAD_BYTES[Math.floor(unit(`${seed}b${i}`) * PAYLOAD_BYTES.length)] ?? 64;
    const priority = PRIORITIES[Math.floor(unit(`${seed}p${i}`) * PRIORITIES.length)] ?? 0;
    return {
      taskId: `t${String(i).padStart(5, '0')}`,
      project,
      pool,
      priority,
      requirements: { models: [...models] },
      payload: { prompt: 'x'.repeat(bytes), bytes },
      maxAttempts: 3,
      timeoutMs: 30_000,
    };
  });

/** Fake inference: a few milliseconds, more for bigger prompts; failures by the task's fate. */
const fakeModel =
  (models: readonly string[]): TaskHandler =>
  async (task) => {
    const { bytes } = task.payload as { bytes: number };
    const fated = fate(task.taskId);
    await sleep(3 + bytes / 2_048 + unit(`${task.taskId}/${task.attempt}`) * 12, undefined, {
      signal: task.signal,
    });
    if (fated === 'poison') throw new TaskError('model crashed', { code: 'oom' });
    if (fated === 'bad_input')
      throw new TaskError('prompt rejected', { retryable: false, code: 'bad_input' });
    if (fated === 'flaky' && task.attempt === 1)
      throw new TaskError('upstream timeout', { code: 'timeout' });
    const model = models[0] ?? 'llama3-70b';
    const tokensIn = Math.round(bytes / 4) + 20;
    const tokensOut = 50 + Math.round(unit(task.taskId) * 400);
    const costUsd = Number((((tokensIn + tokensOut) / 1000) * (PRICES[model] ?? 0)).toFixed(8));
    return { output: { ok: true }, usage: { tokensIn, tokensOut, costUsd, model } };
  };

const percentiles = (values: number[]): Percentiles => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted.at(-1) ?? 0 };
};

/**
 * Submission, first assignment and first completion times per task, and every assignment,
 * from the stream.
 */
const timings = (items: readonly TailItem[]) => {
  const submitted = new Map<string, number>();
  const started = new Map<string, number>();
  const completed = new Map<string, { at: number; workerId: WorkerId }>();
  const assigned = new Map<string, { workerId: WorkerId; attempt: number }[]>();
  for (const { entry } of items) {
    if (!isReadable(entry)) continue;
    for (const e of entry.events) {
      if (e.type !== 'task.submitted' && e.type !== 'task.assigned' && e.type !== 'task.completed')
        continue;
      const key = `${e.data.project}/${e.data.taskId}`;
      if (e.type === 'task.submitted' && !submitted.has(key)) submitted.set(key, entry.at);
      if (e.type === 'task.assigned') {
        if (!started.has(key)) started.set(key, entry.at);
        const { workerId, attempt } = e.data;
        assigned.set(key, [...(assigned.get(key) ?? []), { workerId, attempt }]);
      }
      if (e.type === 'task.completed' && !completed.has(key))
        completed.set(key, { at: entry.at, workerId: e.data.workerId });
    }
  }
  return { submitted, started, completed, assigned };
};

/**
 * Runs the load scenario on the NATS server at `natsUrl`, in its own stream and subject root,
 * with the HUD streaming it. Never throws for a failed check: `ok` and `problems` say what
 * failed.
 */
export const runLoad = async (options: LoadOptions): Promise<LoadResult> => {
  const { out, step, elapsed, c, mark, table } = narrator(options);
  const root = options.root ?? 'fleetload';
  const stream = options.stream ?? 'FLEET_LOAD';
  const count = options.tasks ?? 2_000;
  const limitMs = options.limitMs ?? 180_000;
  const problems: string[] = [];
  const inputs = taskMix(count, root);
  const fates = new Map(inputs.map((t) => [`${t.project}/${t.taskId}`, fate(t.taskId ?? '')]));

  out(c.bold('Fleet — load, live on the HUD'));
  out(
    `${TENANTS.length} tenants × ${FLEET.length} workers in pools gpu and cpu; ${count} tasks ` +
      'with mixed models, priorities and payloads;',
  );
  out('~5% fail once and are retried, ~1% fail every attempt (dead-lettered), ~0.5% fail for');
  out('good; one worker is killed midway and its tasks run elsewhere.');
  out('');

  const nc = await connect({ servers: options.natsUrl, name: 'load-example' });
  const connections: NatsConnection[] = [];
  const workers: Worker[] = [];
  const dispatchers: Dispatcher[] = [];
  let registrar: Registrar | undefined;
  let projections: Projections | undefined;
  let hud: Hud | undefined;
  let hudUrl = '';
  let killed: LoadResult['killed'];
  let lastSubmitAt = 0;
  try {
    const log = await openFreshLog(nc, { stream, root });
    step(`NATS ${options.natsUrl}, stream ${stream}, subjects ${root}.> (fresh)`);

    projections = await startProjections({ log, checkpoints: false });
    const token = randomBytes(24).toString('base64url');
    hud = await startHud({
      projections,
      tokens: { operator: [token], projects: {} },
      port: options.hudPort ?? 7480,
      portFallback: options.hudPort === undefined,
    });
    hudUrl = `${hud.url}?token=${token}`;
    step(`${c.bold('HUD')} ${c.cyan(hudUrl)}  (operator token; open it to watch the run)`);
    if (options.waitForViewerMs !== undefined) {
      step('waiting for the HUD page to open…');
      const until = elapsed() + options.waitForViewerMs;
      while (hud.streams() === 0 && elapsed() < until) await sleep(200);
    }

    const onError = (error: unknown) => {
      problems.push(`actor error: ${String(error)}`);
    };
    registrar = await startRegistrar({ log, onError });
    for (const pool of POOLS) dispatchers.push(await startDispatcher({ log, pool, onError }));

    // One single-use key per worker, bound to its tenant, pool and models.
    const active: Promise<void>[] = [];
    let completions = 0;
    let halfway: () => void = () => undefined;
    const reachedHalf = new Promise<void>((resolve) => {
      halfway = resolve;
    });
    // Once armed, the first killable worker to start an attempt hangs in it (a wedged GPU):
    // that worker is killed, so at least that attempt surely has to run elsewhere.
    const wedge: { armed: boolean; victim?: Worker; chosen?: (w: Worker) => void } = {
      armed: false,
    };
    for (const [t, project] of TENANTS.entries())
      for (const [index, spec] of FLEET.entries()) {
        const key = await issueKey(log, {
          project,
          pool: spec.pool,
          models: spec.models,
          maxUses: 1,
          ttlMs: 30 * 60_000,
          name: `load ${project} ${spec.pool} #${index}`,
        });
        const wnc = await connect({ servers: options.natsUrl, name: `load ${project} ${index}` });
        connections.push(wnc);
        let markActive: () => void = () => undefined;
        active.push(
          new Promise<void>((resolve) => {
            markActive = resolve;
          }),
        );
        // The worker, for its own listener (which hears of tasks only once it is created).
        const me: { worker?: Worker } = {};
        const model = fakeModel(spec.models);
        const worker = await createWorker({
          nats: wnc,
          key: key.token,
          models: spec.models,
          runtime:
            spec.runtime === 'lambda'
              ? { kind: 'lambda', maxDurationMs: 900_000, memoryMb: 10_240 }
              : { kind: spec.runtime },
          labels: { region: t % 2 === 0 ? 'eu-west' : 'us-east' },
          capacity: spec.capacity,
          root,
          claimWaitMs: 2_000,
          handler: async (task) => {
            const self = me.worker;
            if (wedge.armed && KILLABLE.has(index) && self !== undefined) {
              if (wedge.victim === undefined) {
                wedge.victim = self;
                wedge.chosen?.(self);
              }
              // Until the kill aborts it; the attempt is never reported.
              if (wedge.victim === self) await sleep(limitMs, undefined, { signal: task.signal });
            }
            return model(task);
          },
          onEvent: (e) => {
            if (e.type === 'active') markActive();
            if (e.type === 'task_reported' && (completions += 1) === Math.floor(count / 2))
              halfway();
            if (e.type === 'report_failed')
              problems.push(`worker ${project} #${index}: a report could not be stored`);
          },
        });
        me.worker = worker;
        workers.push(worker);
      }
    await within(Promise.all(active), 30_000, 'the workers did not become active in time');
    step(`${workers.length} workers enrolled and active:`);
    for (const project of TENANTS) {
      const own = workers.filter((w) => w.identity.project === project);
      const describe = (pool: PoolId) =>
        own
          .filter((w) => w.identity.pool === pool)
          .map((w) => `${w.identity.runtime.kind}[${w.identity.models.join(',')}]`)
          .join(' ');
      out(`           ${project.padEnd(12)} gpu ${describe(GPU)}`);
      out(`           ${''.padEnd(12)} cpu ${describe(CPU)}`);
    }

    // Sustained load: the tasks arrive in waves, so the HUD shows queues fill and drain.
    const waves = 10;
    const submitting = (async () => {
      for (let w = 0; w < waves; w += 1) {
        const wave = inputs.slice(
          Math.floor((w * count) / waves),
          Math.floor(((w + 1) * count) / waves),
        );
        await submitTasks(nc, wave, { root });
        lastSubmitAt = elapsed();
        if (w < waves - 1) await sleep(150);
      }
    })();
    step(`submitting ${count} tasks in ${waves} waves`);

    // Midway, a worker wedges on an attempt and is killed: no report, no goodbye.
    await reachedHalf;
    const victim = await within(
      new Promise<Worker>((resolve) => {
        wedge.chosen = resolve;
        wedge.armed = true;
      }),
      10_000,
      'no killable worker started an attempt to wedge on',
    );
    const held = victim.inFlight().map((a) => ({
      key: `${a.project}/${a.taskId}`,
      attempt: a.attempt,
    }));
    await victim.kill();
    killed = { workerId: victim.id, held };
    const { project: vp, pool: vpool, runtime: vr } = victim.identity;
    step(
      `${c.red('killed')} worker ${victim.id} (${vp} ${vpool} ${vr.kind}), wedged, holding ` +
        `${held.length} attempt(s): ` +
        `${held
          .slice(0, 4)
          .map((h) => h.key)
          .join(', ')}${held.length > 4 ? ', …' : ''}`,
    );
    await submitting;
    step(`all ${count} tasks submitted`);

    // Done when every pool's fold has every task ended: no task left queued or assigned.
    const perPool = new Map<PoolId, number>(POOLS.map((p) => [p, 0]));
    for (const t of inputs) perPool.set(t.pool as PoolId, (perPool.get(t.pool as PoolId) ?? 0) + 1);
    const allEnded = () =>
      dispatchers.every((d) => {
        const tasks = Object.values(d.host.state.tasks);
        return (
          tasks.length === perPool.get(d.host.state.config.pool) &&
          tasks.every((task) => task.status !== 'queued' && task.status !== 'assigned')
        );
      });
    while (!allEnded()) {
      if (elapsed() > limitMs) {
        problems.push(`not every task ended within ${limitMs} ms`);
        break;
      }
      await sleep(100);
    }
    step('every task ended');
  } catch (error) {
    problems.push(`the run failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await Promise.allSettled(workers.map((w) => (w.id === killed?.workerId ? w.done : w.drain())));
    for (const d of dispatchers) await d.stop();
    await registrar?.stop();
    for (const wnc of connections) await wnc.close();
  }
  step('workers drained; dispatchers and registrar stopped');
  try {
    return await audit();
  } finally {
    await hud?.stop();
    await projections?.stop();
  }

  async function audit(): Promise<LoadResult> {
    let items: TailItem[];
    try {
      items = await readStream(await EventLog.open(nc, { stream, root }));
    } finally {
      await nc.close();
    }
    const report = verifyIsolation(items, POOLS, root);
    // The independent auditor (no code shared with the dispatcher's decisions) must find the
    // run's whole history legitimate: what `fleet audit` would say of this stream.
    const auditor = new Auditor();
    for (const { subject, entry } of items)
      auditor.add({ subject, seq: entry.seq, at: entry.at, entry });
    const audited = auditor.report();
    const elapsedMs = elapsed();

    // Every task ends as its fate says: completed, or dead-lettered or failed if meant to.
    const ended: Record<string, number> = {};
    for (const t of report.tenants) ended['completed'] = (ended['completed'] ?? 0) + t.completed;
    const lost: string[] = [];
    for (const u of report.unfinished) {
      ended[u.status] = (ended[u.status] ?? 0) + 1;
      const meant = fates.get(`${u.project}/${u.taskId}`);
      const ok =
        (meant === 'poison' && u.status === 'dead_lettered') ||
        (meant === 'bad_input' && u.status === 'failed');
      if (!ok) lost.push(`${u.project}/${u.taskId} ${u.status} (meant ${meant ?? 'unknown'})`);
    }
    const meantToFail = [...fates.values()].filter((f) => f === 'poison' || f === 'bad_input');
    const { submitted, started: firstStart, completed, assigned } = timings(items);
    const toStart: number[] = [];
    const toComplete: number[] = [];
    for (const [key, at] of submitted) {
      const s = firstStart.get(key);
      const done = completed.get(key);
      if (s !== undefined) toStart.push(s - at);
      if (done !== undefined) toComplete.push(done.at - at);
    }
    const firstSubmit = Math.min(...submitted.values());
    const lastCompletion = Math.max(...[...completed.values()].map((d) => d.at));
    const throughput = completed.size / Math.max(0.001, (lastCompletion - firstSubmit) / 1000);
    // Attempts the killed worker held that were given to another worker afterwards (the others
    // it had reported just before it died).
    const victimId = killed?.workerId;
    const rerouted =
      killed?.held.filter((h) =>
        (assigned.get(h.key) ?? []).some((a) => a.workerId !== victimId && a.attempt > h.attempt),
      ).length ?? 0;
    const latency = { toStart: percentiles(toStart), toComplete: percentiles(toComplete) };

    out('');
    out(c.bold(`Audit: ${report.messages} stored messages read back and folded per pool`));
    const rows = [
      ['tenant', 'tasks', 'completed', 'not completed', 'workers', 'tokens', 'cost (USD)'],
      ...report.tenants.map((t) => [
        t.project,
        String(t.tasks),
        String(t.completed),
        String(t.tasks - t.completed),
        String(t.workers),
        t.tokens.toLocaleString('en-US'),
        `$${t.costUsd.toFixed(4)}`,
      ]),
    ];
    table(rows);
    out('');
    const ms = (p: Percentiles) =>
      `p50 ${p.p50} ms, p95 ${p.p95} ms, p99 ${p.p99} ms, max ${p.max} ms`;
    out(
      `  throughput: ${throughput.toFixed(0)} tasks/s completed ` +
        `(${completed.size} in ${((lastCompletion - firstSubmit) / 1000).toFixed(2)} s; ` +
        `submissions took ${(lastSubmitAt / 1000).toFixed(2)} s of the run)`,
    );
    out(`  submit → start:    ${ms(latency.toStart)}`);
    out(`  submit → complete: ${ms(latency.toComplete)}`);
    out(
      `  ended: ${Object.entries(ended)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ')}; attempts requeued: ${report.requeued}`,
    );
    out('');
    out(
      `  ${mark(report.crossTenantAssignments === 0)} ${report.crossTenantAssignments} cross-tenant assignments`,
    );
    out(
      `  ${mark(report.foreignCompletions === 0)} ${report.foreignCompletions} tasks completed by another tenant's worker`,
    );
    out(`  ${mark(lost.length === 0)} ${lost.length} tasks lost or ended otherwise than meant`);
    out(
      `  ${mark(report.unfinished.length === meantToFail.length)} ${report.unfinished.length} of ` +
        `${meantToFail.length} deliberately failing tasks dead-lettered or failed`,
    );
    out(
      `  ${mark(audited.ok)} ${audited.counts.violations} violations found by the independent ` +
        `audit of ${audited.counts.messages} messages (fleet audit)`,
    );
    const heldCount = killed?.held.length ?? 0;
    out(
      `  ${mark(rerouted > 0)} ${rerouted} of ${heldCount} attempts held by the killed worker ` +
        `ran again elsewhere${rerouted < heldCount ? ' (the rest had reported before it died)' : ''}`,
    );

    if (report.crossTenantAssignments > 0)
      problems.push(`LEAK: ${report.crossTenantAssignments} cross-tenant assignment(s)`);
    if (report.foreignCompletions > 0)
      problems.push(`LEAK: ${report.foreignCompletions} task(s) completed by another tenant`);
    if (!audited.ok)
      problems.push(
        `the audit found ${audited.counts.violations} violation(s): ` +
          audited.violations
            .slice(0, 3)
            .map((v) => `${v.kind} at seq ${v.seqs.join(',')}`)
            .join('; '),
      );
    if (lost.length > 0)
      problems.push(`${lost.length} task(s) lost or ended wrongly: ${lost.slice(0, 5).join(', ')}`);
    const stored = report.tenants.reduce((n, t) => n + t.tasks, 0);
    if (stored !== count) problems.push(`the stream holds ${stored} tasks, not ${count}`);
    if (killed === undefined) problems.push('no worker was killed');
    else if (rerouted === 0)
      problems.push("no attempt of the killed worker's ran again on another worker");
    if (elapsedMs > limitMs) problems.push(`took ${Math.round(elapsedMs)} ms, over ${limitMs} ms`);

    const ok = problems.length === 0;
    out('');
    out(
      ok
        ? `${c.green('PASS')} 0 cross-tenant assignments; ${count} tasks ended as meant in ${(elapsedMs / 1000).toFixed(1)} s`
        : `${c.red('FAIL')} ${problems.join('; ')}`,
    );
    await options.afterRun?.();
    return {
      ok,
      problems,
      elapsedMs,
      submitted: count,
      ended,
      throughput,
      latency,
      killed,
      rerouted,
      hudUrl,
      report,
      audit: audited,
    };
  }
};

/** The script: the embedded NATS default (or NATS_URL), the scenario, exit code 1 on failure. */
const main = async (): Promise<number> => {
  const { values } = parseArgs({
    options: {
      tasks: { type: 'string' },
      'hud-port': { type: 'string' },
      watch: { type: 'boolean', default: false },
    },
  });
  const color = process.stdout.isTTY && process.env['NO_COLOR'] === undefined;
  const nats = await ensureNats({ log: (line) => console.log(line) });
  try {
    const result = await runLoad({
      natsUrl: nats.url,
      color,
      ...(values.tasks === undefined ? {} : { tasks: Number(values.tasks) }),
      ...(values['hud-port'] === undefined ? {} : { hudPort: Number(values['hud-port']) }),
      ...(values.watch
        ? {
            waitForViewerMs: 10 * 60_000,
            afterRun: async () => {
              console.log('The HUD stays up for a look: Ctrl-C to exit.');
              await new Promise<void>((resolve) => {
                process.once('SIGINT', resolve);
                process.once('SIGTERM', resolve);
              });
            },
          }
        : {}),
    });
    return result.ok ? 0 : 1;
  } finally {
    await nats.stop();
  }
};

runAsScript(import.meta.url, main);
