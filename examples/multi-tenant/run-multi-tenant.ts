import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { startDispatcher } from '../../actors/dispatcher/dispatcher.ts';
import type { Dispatcher } from '../../actors/dispatcher/dispatcher.ts';
import { startRegistrar } from '../../actors/registrar/index.ts';
import type { Registrar } from '../../actors/registrar/index.ts';
import type { Worker } from '../../actors/worker/index.ts';
import { awaitTask, submitTasks } from '../../client/index.ts';
import type { TaskOutcome } from '../../client/index.ts';
import type { ProjectId } from '../../events/index.ts';
import { EventLog } from '../../log/index.ts';
import { credentialAuthority, issueProducerCreds } from '../../security/index.ts';
import { startSecureFixture } from '../../security/secure-fixture.ts';
import type { SecureFixture } from '../../security/secure-fixture.ts';
import { narrator } from '../narrator.ts';
import { openFreshLog } from '../open-fresh-log.ts';
import { readStream } from '../read-stream.ts';
import { verifyIsolation } from '../verify-isolation.ts';
import type { IsolationReport } from '../verify-isolation.ts';
import { within } from '../within.ts';
import { crossTenantClaim } from './cross-tenant-claim.ts';
import type { ClaimFindings } from './cross-tenant-claim.ts';
import { enrollWorkers } from './enroll-workers.ts';
import { FIN, HEALTH, POOLS } from './fleet-spec.ts';
import { judgeIsolation } from './judge-isolation.ts';
import type { MultiTenantOptions } from './multi-tenant-options.ts';
import type { MultiTenantResult } from './multi-tenant-result.ts';
import { taskMix } from './task-mix.ts';

/**
 * Runs the scenario on the NATS server at `natsUrl`, in its own stream and subject root:
 * a registrar, a dispatcher per pool, four workers enrolled with keys of two tenants, a mix of
 * tasks of both tenants, and a health-prod worker claiming fin-prod's work. Then it shuts
 * everything down cleanly and audits the stream. Never throws for a failed check: `ok` and
 * `problems` say what failed.
 */
export const runMultiTenant = async (options: MultiTenantOptions): Promise<MultiTenantResult> => {
  const n = narrator(options);
  const { out, step, elapsed, c } = n;
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
  const found: ClaimFindings = {};
  try {
    const log = await openFreshLog(nc, { stream, root });
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

    const active = await enrollWorkers({
      log,
      natsUrl,
      root,
      stream,
      secure,
      workers,
      connections: workerConnections,
      problems,
    });
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

    await crossTenantClaim({
      narrator: n,
      log,
      root,
      stream,
      secure,
      workers,
      dispatchers,
      problems,
      found,
    });

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
  return judgeIsolation(report, {
    narrator: n,
    count,
    limitMs,
    secure: secure !== undefined,
    elapsedMs,
    found,
    problems,
  });
};
