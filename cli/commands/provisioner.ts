import type { Command } from 'commander';
import { InvalidInputError } from '../../events/errors.ts';
import type { CliContext } from '../cli-context.ts';
import { parseDuration } from '../parse-duration.ts';
import { stopSignals } from '../stop-signals.ts';

interface ProvisionerOptions {
  pool?: string;
  templates?: string;
  namespace: string;
  heartbeat: string;
  idle: string;
  startTimeout: string;
  enrollCreds?: string;
}

/** `fleet provisioner`: launches one-shot workers of a pool's runtime templates until a signal. */
export const registerProvisioner = (program: Command, ctx: CliContext): void => {
  program
    .command('provisioner')
    .description(
      'launch one-shot workers for a pool on demand: for queued tasks no free worker serves, ' +
        'the cheapest runtime template that fits (docker, kubernetes, lambda), each worker ' +
        'enrolled with a single-use key, running one task, then leaving; until SIGINT or SIGTERM',
    )
    .option('--pool <pool>', 'the pool to provision')
    .option('--templates <file>', 'the runtime templates: a JSON array (see docs/operations.md)')
    .option('--namespace <namespace>', 'the Kubernetes namespace of Jobs', 'default')
    .option('--heartbeat <duration>', 'the heartbeat period of launched workers', '1s')
    .option('--idle <duration>', 'a launched worker with no task within this long leaves', '30s')
    .option('--start-timeout <duration>', 'a launched worker must enroll within this long', '60s')
    .option(
      '--enroll-creds <file>',
      'on a secure server: the enrollment creds launched workers enroll on (they then work on ' +
        'their own); the provisioner itself runs on --creds (fleet creds provisioner)',
    )
    .action(async (o: ProvisionerOptions, cmd: Command) => {
      const { readFile } = await import('node:fs/promises');
      const { RuntimeTemplates } = await import('../../events/index.ts');
      const { EventLog } = await import('../../log/index.ts');
      const { startProvisioner } = await import('../../actors/provisioner/index.ts');
      const { templateHandlers, templateLauncher } = await import('../../runtimes/index.ts');
      const { poolName } = await import('../start-pool-dispatcher.ts');
      const { serviceLogger } = await import('../service-logger.ts');
      if (o.pool === undefined) throw new InvalidInputError('--pool', 'give --pool');
      if (o.templates === undefined)
        throw new InvalidInputError('--templates', 'give --templates <file.json>');
      const pool = poolName(o.pool);
      let raw: unknown;
      try {
        raw = JSON.parse(await readFile(o.templates, 'utf8'));
      } catch (e) {
        throw new InvalidInputError('--templates', `cannot read ${o.templates}: ${String(e)}`);
      }
      const parsed = RuntimeTemplates.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new InvalidInputError(
          '--templates',
          `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
        );
      }
      const templates = parsed.data;
      const launchers = new Map(
        await Promise.all(
          templates.map(
            async (t) => [t.name, await templateLauncher(t, { namespace: o.namespace })] as const,
          ),
        ),
      );
      for (const t of templates)
        if (launchers.get(t.name) === undefined)
          throw new InvalidInputError(
            '--templates',
            `template ${t.name} (${t.runtime.kind}) needs ${t.runtime.kind === 'lambda' ? 'a function' : 'an image'}`,
          );
      const g = ctx.globals(cmd);
      const { readCredsFile } = await import('../../security/read-creds-file.ts');
      const enrollCreds =
        o.enrollCreds === undefined
          ? undefined
          : await readCredsFile(o.enrollCreds, '--enroll-creds');
      const signals = stopSignals(ctx.io);
      const nc = await ctx.connect(g.nats, { longLived: true, name: `fleet-provisioner-${pool}` });
      const enrollNc =
        enrollCreds === undefined
          ? undefined
          : await ctx.connect(g.nats, {
              longLived: true,
              name: 'fleet-enroll',
              creds: enrollCreds,
            });
      try {
        const logger = serviceLogger(ctx, 'provisioner', { pool });
        const log = await EventLog.open(nc, { stream: g.stream, root: g.root });
        const p = await startProvisioner({
          log,
          pool,
          templates,
          handlerFor: templateHandlers((t) => launchers.get(t.name)),
          // Secure: each launched worker enrolls on the shared enrollment user, then works on
          // a connection of its own with the credentials the registrar issued to it.
          ...(enrollNc === undefined
            ? {}
            : {
                enroll: {
                  nats: enrollNc,
                  connect: (creds) =>
                    ctx.connect(g.nats, { longLived: true, name: 'fleet-worker', creds }),
                },
              }),
          heartbeatMs: parseDuration(o.heartbeat, '--heartbeat'),
          idleMs: parseDuration(o.idle, '--idle'),
          config: { startTimeoutMs: parseDuration(o.startTimeout, '--start-timeout') },
          onError: (e) => logger.error({ err: e }, 'provisioner error'),
          // Launch ids, templates and reasons only: the key's secret never reaches a log.
          onEvent: (e) => {
            if (e.type === 'requested')
              logger.info(
                { launchId: e.event.data.launchId, taskId: e.event.data.taskId },
                `launch from ${e.event.data.template}: ${e.event.data.reason}`,
              );
            else if (e.type === 'started')
              logger.info(
                { launchId: e.launchId, workerId: e.workerId },
                'launched worker enrolled',
              );
            else if (e.type === 'failed')
              logger.warn({ launchId: e.launchId, code: e.problem.code }, e.problem.message);
          },
        });
        ctx.print(
          `provisioner of pool ${pool} running on ${g.nats} with templates ` +
            templates.map((t) => `${t.name} (${t.runtime.kind}, cost ${t.cost})`).join(', '),
        );
        const signal = await signals.first;
        ctx.print(`${signal}: stopping the provisioner of pool ${pool}`);
        await p.stop();
      } finally {
        signals.dispose();
        await enrollNc?.drain();
        await nc.drain();
      }
    });
};
