import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';
import { errorMessage } from '../error-message.ts';
import { stopSignals } from '../stop-signals.ts';

/**
 * `fleet gateway`: runs the gateway, through which producers and workers with credentials of
 * their own store their messages, until a signal. Run it on the gateway's credentials
 * (`--creds <data-dir>/auth/creds/gateway.creds`); `fleet up --secure` runs one itself.
 */
export const registerGateway = (program: Command, ctx: CliContext): void => {
  program
    .command('gateway')
    .description(
      'run the gateway, which stores what secure producers and workers send, answering only their own inboxes, until SIGINT or SIGTERM',
    )
    .action(async (_o: unknown, cmd: Command) => {
      const { startGateway } = await import('../../actors/gateway/index.ts');
      const { serviceLogger } = await import('../service-logger.ts');
      const g = ctx.globals(cmd);
      const signals = stopSignals(ctx.io);
      const logger = serviceLogger(ctx, 'gateway');
      const nc = await ctx.connect(g.nats, { longLived: true, name: 'fleet-gateway' });
      try {
        const gateway = startGateway({
          nc,
          root: g.root,
          onRefused: (r) => {
            logger.warn(
              { subject: r.subject, detail: r.detail },
              `gateway: refused a store request on ${r.subject}: ${r.detail}`,
            );
          },
          onError: (e) => {
            logger.error(`gateway: ${errorMessage(e)}`);
          },
        });
        await nc.flush();
        ctx.print(`gateway running on ${g.nats} (root ${g.root})`);
        const name = await signals.first;
        ctx.print(`${name}: stopping the gateway (${gateway.stats().relayed} stored since start)`);
        await gateway.stop();
      } finally {
        signals.dispose();
        await nc.drain();
      }
    });
};
