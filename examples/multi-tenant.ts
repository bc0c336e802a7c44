/**
 * Multi-tenant isolation, end to end: two tenants share two pools and the same models; a
 * worker of one tenant asks for the other's work and is refused; at the end the whole stream
 * is read back and folded again to prove that no task crossed tenants.
 *
 *   npm run example:multi-tenant        (NATS_URL to use a running server, else an embedded one)
 *   npm run example:multi-tenant -- --secure   (its own nats-server with JWT auth: the server
 *                                               itself refuses the cross-tenant claim too)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { startDispatcher } from '../actors/dispatcher/dispatcher.ts';
import type { Dispatcher } from '../actors/dispatcher/dispatcher.ts';
import { EventLog } from '../log/index.ts';
import { issueKey, startRegistrar } from '../actors/registrar/index.ts';
import type { Registrar } from '../actors/registrar/index.ts';
import { createWorker } from '../actors/worker/index.ts';
import type { TaskHandler, Worker } from '../actors/worker/index.ts';
import { awaitTask, submitTasks } from '../client/index.ts';
import type { TaskInput, TaskOutcome } from '../client/index.ts';
import { ensureNats } from '../infra/embedded-nats.ts';
import { ClaimReply, decode, inboxPrefix } from '../events/index.ts';
import type { PoolId, ProjectId } from '../events/index.ts';
import { credentialAuthority, issueProducerCreds } from '../security/index.ts';
import { startSecureFixture } from '../security/secure-fixture.ts';
import type { SecureFixture } from '../security/secure-fixture.ts';
import { narrator } from './narrator.ts';
import { openFreshLog } from './open-fresh-log.ts';
import { readStream } from './read-stream.ts';
import { runAsScript } from './run-as-script.ts';
import { verifyIsolation } from './verify-isolation.ts';
import type { IsolationReport } from './verify-isolation.ts';
import { within } from './within.ts';

/** Options of {@link runMultiTenant}. */
export interface MultiTenantOptions {
  readonly natsUrl: string;
  /** Subject root of the example's own fleet; default `fleetmt`. */
  readonly root?: string;
  /** Its stream, deleted first so every run starts clean; default `FLEET_MULTI_TENANT`. */
  readonly stream?: string;
  /** Where the narration goes, one line at a time; default `console.log`. */
  readonly log?: (line: string) => void;
  /** ANSI colours in the narration; default false. */
  readonly color?: boolean;
  /** How many tasks, split evenly between the tenants; default 40. */
  readonly tasks?: number;
  /** The run fails when it takes longer; default 60 s. */
  readonly limitMs?: number;
  /**
   * Run on a private nats-server with JWT auth (started and stopped here; `natsUrl` is not
   * used): every service, worker and producer on its own scoped credentials. The cross-tenant
   * claim is then refused by the server itself; it is also sent on an operator connection, to
   * show the dispatcher's refusal as before. Default false.
   */
  readonly secure?: boolean;
}

/** What a run showed. */
export interface MultiTenantResult {
  /** No leak, every task completed, the refusal seen and recorded, within the limit. */
  readonly ok: boolean;
  /** What went wrong, if anything. */
  readonly problems: readonly string[];
  readonly elapsedMs: number;
  /** The dispatcher's answer to the cross-tenant claim, when it refused it. */
  readonly refusal: { readonly reason: string; readonly detail: string } | undefined;
  /** Stream sequence of the recorded `claim.rejected` for that claim. */
  readonly refusalSeq: number | undefined;
  /** Secure mode: the server's refusal of the worker's own cross-tenant claim. */
  readonly serverRefusal: string | undefined;
  /** The audit of the stream. */
  readonly report: IsolationReport;
}

const HEALTH = 'health-prod' as ProjectId;
const FIN = 'fin-prod' as ProjectId;
const GPU = 'gpu' as PoolId;
const CPU = 'cpu' as PoolId;
const POOLS = [GPU, CPU] as const;

/** The four workers: per tenant one GPU worker and one CPU worker, with the same models. */
const WORKERS = [
  { project: HEALTH, pool: GPU, models: ['llama3-70b'], usdPer1k: 0.0008 },
  { project: HEALTH, pool: CPU, models: ['mistral-7b'], usdPer1k: 0.0002 },
  { project: FIN, pool: GPU, models: ['llama3-70b'], usdPer1k: 0.0008 },
  { project: FIN, pool: CPU, models: ['mistral-7b', 'phi-3'], usdPer1k: 0.0002 },
] as const;

const JOBS: Readonly<Record<string, readonly string[]>> = {
  [HEALTH]: ['summarise-discharge-note', 'transcribe-consult', 'code-icd10'],
  [FIN]: ['extract-invoice', 'score-transaction-risk', 'reconcile-ledger'],
};

/** The task mix: tenants alternate, two in three on the GPU pool. */
const taskMix = (count: number): TaskInput[] =>
  Array.from({ length: count }, (_, i) => {
    const project = i % 2 === 0 ? HEALTH : FIN;
    const pool = i % 3 === 2 ? CPU : GPU;
    const job = JOBS[project]?.[i % 3] ?? 'job';
    return {
      taskId: `${project === HEALTH ? 'h' : 'f'}${String(i).padStart(3, '0')}`,
      project,
      pool,
      requirements: { models: [pool === GPU ? 'llama3-70b' : 'mistral-7b'] },
      payload: { job, words: 200 + ((i * 37) % 400) },
      timeoutMs: 10_000,
    };
  });

/** Fake model work: a few milliseconds per hundred words, tokens and cost reported. */
const fakeModel =
  (model: string, usdPer1k: number): TaskHandler =>
  async (task) => {
    const { job, words } = task.payload as { job: string; words: number };
    await sleep(10 + words / 10, undefined, { signal: task.signal });
    const tokensIn = Math.round(words * 1.3);
    const tokensOut = Math.round(tokensIn / 4);
    return {
      output: { job, ok: true },
      usage: {
        tokensIn,
        tokensOut,
        costUsd: Number((((tokensIn + tokensOut) / 1000) * usdPer1k).toFixed(6)),
        model,
      },
    };
  };

/**
 * Runs the scenario on the NATS server at `natsUrl`, in its own stream and subject root:
 * a registrar, a dispatcher per pool, four workers enrolled with keys of two tenants, a mix of
 * tasks of both tenants, and a health-prod worker claiming fin-prod's work. Then it shuts
 * everything down cleanly and audits the stream. Never throws for a failed check: `ok` and
 * `problems` say what failed.
 */
export const runMultiTenant = async (options: MultiTenantOptions): Promise<MultiTenantResult> => {
  const { out, step, elapsed, c, mark, table } = narrator(options);
  const root = options.root ?? 'fleetmt';
  const stream = options.stream ?? 'FLEET_MULTI_TENANT';
  const limitMs = options.limitMs ?? 60_000;
  const count = options.tasks ?? 40;
  const problems: string[] = [];
  const remaining = () => Math.max(1, Math.floor(limitMs - elapsed()));

  out(c.bold('Fleet — multi-tenant isolation'));
  out('Two tenants, health-prod and fin-prod, share two pools (gpu, cpu) and the same models.');
  out("Each worker enrolls with its tenant's key; the dispatcher must never hand one tenant's");
  out("task to the other's worker, even when that worker asks for it. At the end every event");
  out('is read back from the stream and folded again with the dispatcher core to prove it.');
  out('');

  // Secure: a private server with JWT auth; `nc` is then the operator's (admin) connection.
  const secure: SecureFixture | undefined =
    options.secure === true ? await startSecureFixture({ root, stream }) : undefined;
  const natsUrl = secure?.server.url ?? options.natsUrl;
  const nc = secure?.admin ?? (await connect({ servers: natsUrl, name: 'multi-tenant-example' }));
  const deployment = { root, stream };
  /** The log on a service's own credentials in secure mode, else on `nc`. */
  const serviceLog = async (role: 'registrar' | 'dispatcher', log: EventLog) =>
    secure === undefined
      ? log
      : EventLog.open(
          await secure.connectAs(await secure.auth.serviceCreds(role, deployment), {
            reconnect: true,
          }),
          deployment,
        );
  const workerConnections: NatsConnection[] = [];
  const workers: Worker[] = [];
  const dispatchers: Dispatcher[] = [];
  let registrar: Registrar | undefined;
  let refusal: MultiTenantResult['refusal'];
  let refusalSeq: number | undefined;
  let serverRefusal: string | undefined;
  try {
    const log = await openFreshLog(nc, { stream, root });
    const s = log.subjects;
    step(`NATS ${natsUrl}, stream ${stream}, subjects ${root}.> (fresh)`);
    if (secure !== undefined)
      step('secure: JWT auth; registrar, dispatchers, workers, producers on scoped credentials');

    const onError = (error: unknown) => {
      problems.push(`actor error: ${String(error)}`);
    };
    registrar = await startRegistrar({
      log: await serviceLog('registrar', log),
      onError,
      ...(secure === undefined
        ? {}
        : {
            credentials: credentialAuthority({
              material: secure.auth.material,
              root,
              system: await secure.connectAs(await secure.auth.serviceCreds('system')),
            }),
            enrollPublicKey: (await secure.auth.serviceCreds('enroll', deployment)).publicKey,
          }),
    });
    const dispatcherLog = await serviceLog('dispatcher', log);
    for (const pool of POOLS)
      dispatchers.push(await startDispatcher({ log: dispatcherLog, pool, onError }));
    step(`registrar and dispatchers up (pools ${POOLS.join(', ')})`);

    // One single-use key per worker, bound to its tenant and pool: the key decides both.
    const active: Promise<void>[] = [];
    for (const spec of WORKERS) {
      let markActive: () => void = () => undefined;
      active.push(
        new Promise<void>((resolve) => {
          markActive = resolve;
        }),
      );
      const key = await issueKey(log, {
        project: spec.project,
        pool: spec.pool,
        models: spec.models,
        maxUses: 1,
        ttlMs: 10 * 60_000,
        name: `example ${spec.project} ${spec.pool}`,
      });
      // Secure: the worker enrolls as the shared enrollment user, then connects as itself.
      const wnc =
        secure === undefined
          ? await connect({ servers: natsUrl, name: `worker ${spec.project}` })
          : await secure.connectAs(await secure.auth.serviceCreds('enroll', deployment));
      workerConnections.push(wnc);
      workers.push(
        await createWorker({
          nats: wnc,
          key: key.token,
          models: spec.models,
          capacity: 3,
          root,
          claimWaitMs: 2_000,
          handler: fakeModel(spec.models[0], spec.usdPer1k),
          ...(secure === undefined
            ? {}
            : { connect: (creds) => secure.connectAs(creds, { reconnect: true }) }),
          onEvent: (e) => {
            if (e.type === 'active') markActive();
            if (e.type === 'report_failed' || e.type === 'refused')
              problems.push(`worker ${spec.project}/${spec.pool}: ${e.type}`);
          },
        }),
      );
    }
    // Active: its pool's dispatcher knows it, so what follows is judged on who it really is.
    await within(Promise.all(active), remaining(), 'the workers did not become active in time');
    step('4 workers enrolled with single-use keys of their tenants, and active:');
    for (const w of workers) {
      const { project, pool, models } = w.identity;
      out(
        `         ${project.padEnd(12)} ${pool.padEnd(4)} ${models.join(',').padEnd(18)} ${w.id}`,
      );
    }

    const inputs = taskMix(count);
    // Secure: each tenant submits its own tasks with its own producer credentials.
    const submitAs = async (project: ProjectId) => {
      if (secure === undefined) return nc;
      const creds = await issueProducerCreds(secure.auth.material, { project, root });
      return secure.connectAs(creds);
    };
    const batches =
      secure === undefined
        ? [await submitTasks(nc, inputs, { root })]
        : await Promise.all(
            [HEALTH, FIN].map(async (p) =>
              submitTasks(
                await submitAs(p),
                inputs.filter((t) => t.project === p),
                { root },
              ),
            ),
          );
    // In input order, so `submitted[i]` is `inputs[i]`.
    const order = new Map(inputs.map((t, i) => [t.taskId, i]));
    const submitted = batches
      .flat()
      .sort((a, b) => (order.get(a.taskId) ?? 0) - (order.get(b.taskId) ?? 0));
    const per = (p: string) => inputs.filter((t) => t.project === p).length;
    step(
      `submitted ${submitted.length} tasks (${per(HEALTH)} health-prod, ${per(FIN)} fin-prod) ` +
        `in ${new Set(submitted.map((t) => t.seq)).size} batch messages`,
    );

    // The attack: health-prod's GPU worker, on its own connection, claims on fin-prod's subject.
    const intruder = workers[0];
    if (intruder === undefined) throw new Error('no workers');
    const claimSubject = s.claim(FIN, GPU, intruder.id);
    step(`health-prod worker ${intruder.id} claims fin-prod work on ${claimSubject}`);
    // Secure: the worker's own credentials do not allow the subject, so the server refuses it.
    // The same claim then goes out on an operator's connection, for the dispatcher to judge. The
    // dispatcher answers a worker's claims only on that worker's own inbox, so the operator's
    // connection takes the worker's inbox prefix (it may subscribe anywhere).
    const intruderKey = dispatchers[0]?.host.state.workers[intruder.id]?.publicKey;
    const intruderNc =
      secure === undefined
        ? intruder.nats
        : await secure.connectAs(await secure.auth.serviceCreds('admin'), {
            ...(intruderKey === undefined ? {} : { inboxPrefix: inboxPrefix(intruderKey) }),
          });
    if (secure !== undefined) {
      try {
        await intruder.nats.request(claimSubject, JSON.stringify({ max: 5, waitMs: 1_000 }), {
          timeout: 5_000,
        });
        problems.push('LEAK: the server let a health-prod worker claim on a fin-prod subject');
      } catch (error) {
        serverRefusal = error instanceof Error ? error.message : String(error);
        out(`         ${c.red(`✖ REFUSED BY NATS: ${serverRefusal}`)}`);
      }
      step(`the same claim for ${intruder.id} on an operator connection, to the dispatcher:`);
    }
    const answer = ClaimReply.safeParse(
      (
        await intruderNc.request(claimSubject, JSON.stringify({ max: 5, waitMs: 1_000 }), {
          timeout: 5_000,
        })
      ).json<unknown>(),
    );
    if (!answer.success) problems.push('the cross-tenant claim got an unreadable reply');
    else if ('refused' in answer.data) {
      refusal = answer.data.refused;
      out(`         ${c.red(`✖ REFUSED: ${refusal.reason}`)} — ${refusal.detail}`);
    } else {
      problems.push(
        `LEAK: the cross-tenant claim got ${answer.data.assignments.length} assignment(s)`,
      );
      out(`         ${c.red('LEAK')}: ${JSON.stringify(answer.data.assignments)}`);
    }
    // Decide, append, then act: the refusal was stored before it was answered.
    const rejectedSubject = s.rejected(FIN, GPU);
    const stored = await log.jsm.streams.getMessage(stream, { last_by_subj: rejectedSubject });
    const recorded = stored === null ? undefined : decode(stored.subject, stored.data, { root });
    const event = recorded?.ok === true ? recorded.value.events[0] : undefined;
    if (stored !== null && event?.type === 'claim.rejected') {
      refusalSeq = stored.seq;
      const { workerId, project, reason } = event.data;
      out(
        `         recorded at stream seq ${stored.seq} on ${rejectedSubject}: claim.rejected ` +
          `{ workerId: ${workerId}, project: ${project}, reason: ${reason} }`,
      );
    } else problems.push('the cross-tenant claim was not recorded as claim.rejected');

    const outcomes = await Promise.allSettled(
      submitted.map((t, i) =>
        awaitTask(
          nc,
          {
            project: inputs[i]?.project ?? '',
            pool: inputs[i]?.pool ?? '',
            taskId: t.taskId,
            timeoutMs: remaining(),
          },
          { root, stream },
        ),
      ),
    );
    const ended = outcomes.filter(
      (o): o is PromiseFulfilledResult<TaskOutcome> => o.status === 'fulfilled',
    );
    const completed = ended.filter((o) => o.value.status === 'completed').length;
    const failure = outcomes.find((o) => o.status === 'rejected');
    if (failure !== undefined)
      problems.push(`waiting for a task failed: ${String(failure.reason)}`);
    step(`${ended.length} of ${submitted.length} tasks ended, ${completed} completed`);
  } catch (error) {
    problems.push(`the run failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    // Workers first: their drain needs the dispatchers to answer. Then the actors, then NATS.
    await Promise.allSettled(workers.map((w) => w.drain()));
    for (const d of dispatchers) await d.stop();
    await registrar?.stop();
    for (const wnc of workerConnections) await wnc.close();
  }
  // Secure: the outcomes and the audit are read by the operator (producers have no stream API).
  step('workers drained and left; dispatchers and registrar stopped');

  let report: IsolationReport;
  try {
    const log = await EventLog.open(nc, { stream, root });
    report = verifyIsolation(await readStream(log), POOLS, root);
  } finally {
    await nc.close();
    await secure?.stop();
  }
  const elapsedMs = elapsed();

  out('');
  out(
    c.bold(`Audit: ${report.messages} stored messages read with an ordered consumer, `) +
      c.bold(`folded with the dispatcher core per pool`),
  );
  const rows = [
    ['tenant', 'tasks', 'completed', 'workers', 'tokens', 'cost (USD)'],
    ...report.tenants.map((t) => [
      t.project,
      String(t.tasks),
      String(t.completed),
      String(t.workers),
      t.tokens.toLocaleString('en-US'),
      `$${t.costUsd.toFixed(4)}`,
    ]),
  ];
  table(rows);
  out('');
  const refused = report.refusedClaims['cross_project'] ?? 0;
  out(
    `  ${mark(report.crossTenantAssignments === 0)} cross-tenant assignments: ${report.crossTenantAssignments}`,
  );
  out(
    `  ${mark(report.foreignCompletions === 0)} tasks completed by another tenant's worker: ${report.foreignCompletions}`,
  );
  out(`  ${mark(report.unfinished.length === 0)} tasks not completed: ${report.unfinished.length}`);
  out(`  ${mark(refused > 0)} cross-tenant claims refused and recorded: ${refused}`);
  out(`  ${c.dim(`attempts requeued (lease expired, worker lost): ${report.requeued}`)}`);

  if (report.crossTenantAssignments > 0)
    problems.push(
      `LEAK: ${report.crossTenantAssignments} cross-tenant assignment(s) in the stream`,
    );
  if (report.foreignCompletions > 0)
    problems.push(`LEAK: ${report.foreignCompletions} task(s) completed by another tenant`);
  if (report.unfinished.length > 0)
    problems.push(
      `${report.unfinished.length} task(s) did not complete: ` +
        report.unfinished
          .slice(0, 5)
          .map((t) => `${t.project}/${t.taskId} ${t.status}`)
          .join(', '),
    );
  if (refusal?.reason !== 'cross_project' || refused === 0)
    problems.push('the cross-tenant claim was not refused as cross_project');
  if (secure !== undefined && serverRefusal?.includes('Permissions Violation') !== true)
    problems.push('the server did not refuse the cross-tenant claim');
  if (report.tenants.reduce((n, t) => n + t.tasks, 0) !== count)
    problems.push(
      `the stream holds ${report.tenants.reduce((n, t) => n + t.tasks, 0)} tasks, not ${count}`,
    );
  if (elapsedMs > limitMs) problems.push(`took ${Math.round(elapsedMs)} ms, over ${limitMs} ms`);

  const ok = problems.length === 0;
  out('');
  out(
    ok
      ? `${c.green('PASS')} no task crossed tenants; ${count} of ${count} completed in ${(elapsedMs / 1000).toFixed(1)} s`
      : `${c.red('FAIL')} ${problems.join('; ')}`,
  );
  return { ok, problems, elapsedMs, refusal, refusalSeq, serverRefusal, report };
};

/** The script: the embedded NATS default (or NATS_URL), the scenario, exit code 1 on failure. */
const main = async (): Promise<number> => {
  const color = process.stdout.isTTY && process.env['NO_COLOR'] === undefined;
  const secure = process.argv.includes('--secure');
  const nats = secure
    ? { url: '', stop: () => Promise.resolve() }
    : await ensureNats({ log: (line) => console.log(line) });
  try {
    const result = await runMultiTenant({ natsUrl: nats.url, color, secure });
    return result.ok ? 0 : 1;
  } finally {
    await nats.stop();
  }
};

runAsScript(import.meta.url, main);
