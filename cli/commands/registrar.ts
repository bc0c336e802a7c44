import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';
import { errorMessage } from '../error-message.ts';
import { REPLICAS_HELP, replicasOption } from '../parse-options.ts';
import { stopSignals } from '../stop-signals.ts';
import { healLine } from '../../log/heal-line.ts';

/** `fleet registrar`: runs the registrar (enrollment) until a signal. */
export const registerRegistrar = (program: Command, ctx: CliContext): void => {
  program
    .command('registrar')
    .description('run the registrar, which enrolls workers with keys, until SIGINT or SIGTERM')
    .option('--replicas <n>', REPLICAS_HELP)
    .action(async (o: { replicas?: string }, cmd: Command) => {
      const { EventLog } = await import('../../log/index.ts');
      const { serviceLogger } = await import('../service-logger.ts');
      const { startRegistrar } = await import('../../actors/registrar/index.ts');
      const g = ctx.globals(cmd);
      const signals = stopSignals(ctx.io);
      const logger = serviceLogger(ctx, 'registrar');
      const nc = await ctx.connect(g.nats, { longLived: true, name: 'fleet-registrar' });
      try {
        const log = await EventLog.open(nc, {
          stream: g.stream,
          root: g.root,
          read: { onHeal: (h) => logger.warn({ ...h }, healLine(h)) },
          ...replicasOption(o.replicas),
        });
        const registrar = await startRegistrar({
          log,
          onError: (e) => {
            logger.error(`registrar: ${errorMessage(e)}`);
          },
        });
        ctx.print(`registrar running on ${g.nats} (stream ${g.stream}, root ${g.root})`);
        const name = await signals.first;
        const { enrolled } = registrar.stats();
        ctx.print(`${name}: stopping the registrar (${enrolled} enrolled since start)`);
        await registrar.stop();
      } finally {
        signals.dispose();
        await nc.drain();
      }
    });
};
