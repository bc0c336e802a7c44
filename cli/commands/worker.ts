import type { Command } from 'commander';
import type { WorkerLifecycleEvent } from '../../actors/worker/index.ts';
import { InvalidInputError } from '../../client/invalid-input-error.ts';
import type { CliContext } from '../cli-context.ts';
import { errorMessage } from '../error-message.ts';
import { formatLabels, formatList } from '../format-table.ts';
import { parseDuration } from '../parse-duration.ts';
import { collect, parseInteger, parseList } from '../parse-options.ts';
import { startHealthServer } from '../health-server.ts';
import { STOP_GRACE_MS, stopSignals } from '../stop-signals.ts';
import { WorkerHealth } from '../worker-health.ts';
import type { ServiceLogger } from '../../telemetry/create-logger.ts';

interface WorkerOptions {
  key?: string;
  models?: string[];
  label?: string[];
  runtime: string;
  maxDuration?: string;
  memory?: string;
  capacity: string;
  exec?: string;
  image?: string;
  namespace?: string;
  function?: string;
  cpus?: string;
  timeout?: string;
  heartbeat: string;
  claimWait: string;
  healthPort?: string;
  healthHost: string;
  drainTimeout: string;
}

/**
 * One line per lifecycle event worth telling on stdout; errors the worker survives, and each
 * report, go to its structured log with the ids as fields.
 */
const tell = (ctx: CliContext, logger: ServiceLogger, e: WorkerLifecycleEvent): void => {
  switch (e.type) {
    case 'active':
      ctx.print('the dispatcher knows this worker: claiming work');
      return;
    case 'task_started':
      ctx.print(`task ${e.taskId} attempt ${e.attempt}: started`);
      return;
    case 'task_reported': {
      const line = `task ${e.taskId} attempt ${e.attempt}: ${e.outcome} in ${Math.round(e.durationMs)} ms`;
      ctx.print(line);
      const { taskId, attempt, outcome, durationMs } = e;
      logger.info({ taskId, attempt, outcome, durationMs }, line);
      return;
    }
    case 'task_aborted':
      ctx.print(`task ${e.taskId} attempt ${e.attempt}: aborted (${e.why})`);
      return;
    case 'task_dropped':
      ctx.print(`task ${e.taskId} attempt ${e.attempt}: dropped, not reported`);
      return;
    case 'report_failed':
      logger.error(
        { taskId: e.taskId, attempt: e.attempt },
        `task ${e.taskId} attempt ${e.attempt}: report failed: ${errorMessage(e.error)}`,
      );
      return;
    case 'claim_error':
      logger.warn(
        { retryInMs: e.retryInMs },
        `claim failed (retry in ${e.retryInMs} ms): ${errorMessage(e.error)}`,
      );
      return;
    case 'heartbeat_error':
      logger.warn(`heartbeat failed: ${errorMessage(e.error)}`);
      return;
    case 'renewal_error':
      logger.warn(`credentials renewal failed: ${errorMessage(e.error)}`);
      return;
    case 'credentials_renewed':
      ctx.print(`credentials renewed until ${new Date(e.expiresAt).toISOString()}`);
      return;
    case 'append_failed':
      logger.error({ what: e.what }, `could not record ${e.what}: ${errorMessage(e.error)}`);
      return;
    case 'draining':
      ctx.print('draining: no new work; finishing what is held');
      return;
    case 'left':
      ctx.print('left the pool');
      return;
    case 'refused':
      logger.error(
        { reason: e.reason, detail: e.detail },
        `refused by the fleet (${e.reason}): ${e.detail}`,
      );
      return;
    case 'enrolled':
    case 'killed':
    case 'ended':
      return;
    default: {
      const never: never = e;
      return never;
    }
  }
};

/** `fleet worker`: enrolls with a key and runs a command per task until a signal. */
export const registerWorker = (program: Command, ctx: CliContext): void => {
  program
    .command('worker')
    .description(
      'enroll with a key and run a shell command (or a container) per task until SIGINT or ' +
        'SIGTERM (then drain); ' +
        'on a secure server, with --creds <the enrollment creds>: it then works on its own',
    )
    .option('--key <token>', 'the enrollment key (default $FLEET_KEY; prefer it: flags show in ps)')
    .option('--models <a,b>', 'models this worker serves (repeatable)', collect)
    .option('--label <k=v>', 'a label of this worker (repeatable)', collect)
    .option('--runtime <kind>', 'process, docker, kubernetes or lambda', 'process')
    .option('--max-duration <duration>', 'longest a task may run in this runtime')
    .option('--memory <mb>', 'memory available to one task, in MB')
    .option('--capacity <n>', 'tasks run at once', '1')
    .option(
      '--exec <command>',
      'shell command per task: the task as JSON on stdin, its stdout the output, its usage ' +
        '(tokens, cost, model) as JSON in the file $FLEET_USAGE_FILE names; with --runtime ' +
        'docker or kubernetes and --image, the command in the container',
    )
    .option(
      '--image <image>',
      'with --runtime docker: a fresh container of it per task; kubernetes: a Job of it per task',
    )
    .option('--namespace <ns>', 'with --runtime kubernetes: where the Jobs run', 'default')
    .option('--function <name>', 'with --runtime lambda: the function invoked per task')
    .option('--cpus <n>', 'with --image: CPUs of one task (0.5 is half a core)')
    .option('--timeout <duration>', 'kill the command after this long (default: the lease)')
    .option('--heartbeat <duration>', 'heartbeat period; match the dispatcher', '1s')
    .option(
      '--claim-wait <duration>',
      'longest a claim waits at the dispatcher for work (at most 60s); also how long a claim ' +
        'held by a dispatcher that died can keep this worker waiting',
      '10s',
    )
    .option(
      '--health-port <port>',
      'serve GET /healthz (200 while active and claiming, 503 while enrolling or draining) and ' +
        'GET /livez (200 while the process answers) on <port>, for probes',
    )
    .option('--health-host <host>', 'address of the health endpoint', '127.0.0.1')
    .option(
      '--drain-timeout <duration>',
      'longest the drain after SIGINT or SIGTERM may take (held tasks finish) before the ' +
        'worker exits anyway, abandoning them to their leases; keep it under a supervisor’s ' +
        'grace period (Kubernetes: terminationGracePeriodSeconds)',
      `${STOP_GRACE_MS / 1000}s`,
    )
    .action(async (o: WorkerOptions, cmd: Command) => {
      const { createWorker } = await import('../../actors/worker/index.ts');
      const { workerHandler } = await import('../worker-handler.ts');
      const { Runtime } = await import('../../events/index.ts');
      const { serviceLogger } = await import('../service-logger.ts');
      const { parseLabels } = await import('../parse-labels.ts');
      const key = o.key ?? ctx.io.env['FLEET_KEY'];
      if (key === undefined || key === '')
        throw new InvalidInputError('--key', 'a key is required: --key <token> or FLEET_KEY');
      const runtime = Runtime.safeParse({
        kind: o.runtime,
        ...(o.maxDuration === undefined
          ? {}
          : { maxDurationMs: parseDuration(o.maxDuration, '--max-duration') }),
        ...(o.memory === undefined
          ? {}
          : { memoryMb: parseInteger(o.memory, '--memory', { min: 1 }) }),
      });
      if (!runtime.success)
        throw InvalidInputError.fromZod(runtime.error, { what: '--runtime', prefix: 'runtime' });
      const models = parseList(o.models);
      const labels = parseLabels(o.label);
      const capacity = parseInteger(o.capacity, '--capacity', { min: 1 });
      const heartbeatMs = parseDuration(o.heartbeat, '--heartbeat');
      const claimWaitMs = parseDuration(o.claimWait, '--claim-wait');
      const timeoutMs = o.timeout === undefined ? undefined : parseDuration(o.timeout, '--timeout');
      const drainTimeoutMs = parseDuration(o.drainTimeout, '--drain-timeout');
      const healthPort =
        o.healthPort === undefined
          ? undefined
          : parseInteger(o.healthPort, '--health-port', { min: 0, max: 65535 });
      const cpus = o.cpus === undefined ? undefined : Number(o.cpus);
      if (cpus !== undefined && !(cpus > 0))
        throw new InvalidInputError('--cpus', 'a positive number of CPUs, e.g. 0.5');
      const run = await workerHandler({
        runtime: runtime.data,
        exec: o.exec,
        image: o.image,
        namespace: o.namespace,
        functionName: o.function,
        cpus,
        timeoutMs,
      });
      const reaped = await run.prepare();
      if (reaped !== undefined) ctx.print(reaped);
      const g = ctx.globals(cmd);
      // Secure: these are the shared enrollment credentials; the worker works on its own.
      const secure = (await ctx.credentials()) !== undefined;
      const signals = stopSignals(ctx.io, drainTimeoutMs);
      const health = new WorkerHealth();
      const healthServer =
        healthPort === undefined
          ? undefined
          : await startHealthServer(health, healthPort, o.healthHost);
      if (healthServer !== undefined)
        ctx.print(`health: http://${o.healthHost}:${healthServer.port}/healthz`);
      const nc = await ctx
        .connect(g.nats, { longLived: true, name: 'fleet-worker' })
        .catch(async (error: unknown) => {
          await healthServer?.stop();
          throw error;
        });
      // Ids bound once enrolled; until then the lines say which service they come from.
      let logger = serviceLogger(ctx, 'worker');
      try {
        const worker = await createWorker({
          nats: nc,
          key,
          models,
          labels,
          runtime: runtime.data,
          capacity,
          heartbeatMs,
          claimWaitMs,
          root: g.root,
          handler: run.handler,
          onEvent: (e) => {
            if (e.type === 'enrolled') {
              const { workerId, project, pool } = e.identity;
              logger = logger.child({ workerId, project, pool });
            }
            health.observe(e);
            tell(ctx, logger, e);
          },
          ...(secure
            ? {
                connect: (creds) =>
                  ctx.connect(g.nats, { longLived: true, name: 'fleet-worker', creds }),
              }
            : {}),
        });
        const w = worker.identity;
        ctx.print(
          `worker ${w.workerId} enrolled in project ${w.project}, pool ${w.pool}: ` +
            `models ${formatList(w.models, 'any')}, labels ${formatLabels(w.labels)}, ` +
            `${w.runtime.kind}, capacity ${w.capacity}`,
        );
        const stop = await Promise.race([signals.first, worker.done.then(() => undefined)]);
        if (stop !== undefined) {
          ctx.print(`${stop}: draining (send it again to stop at once)`);
          void signals.second.then(() => worker.kill());
          await worker.drain();
        }
        await worker.done;
      } finally {
        signals.dispose();
        await healthServer?.stop();
        await nc.drain();
      }
    });
};
