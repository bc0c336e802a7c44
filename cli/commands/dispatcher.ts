import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';
import { parseDuration } from '../parse-duration.ts';
import { collect, parseInteger, parseWeights } from '../parse-options.ts';
import { stopSignals } from '../stop-signals.ts';

interface DispatcherOptions {
  pool: string;
  heartbeat: string;
  missedBeats: string;
  weight?: string[];
}

/** `fleet dispatcher`: runs the dispatcher of one pool until a signal. */
export const registerDispatcher = (program: Command, ctx: CliContext): void => {
  program
    .command('dispatcher')
    .description('run the dispatcher of one pool (with snapshots) until SIGINT or SIGTERM')
    .requiredOption('--pool <pool>', 'the pool to dispatch')
    .option('--heartbeat <duration>', 'the heartbeat period workers use', '1s')
    .option('--missed-beats <n>', 'heartbeats missed before a worker is lost', '2')
    .option('--weight <project=weight>', 'fair-share weight of a project (repeatable)', collect)
    .action(async (o: DispatcherOptions, cmd: Command) => {
      const { EventLog } = await import('../../actors/host/event-log.ts');
      const { poolName, startPoolDispatcher } = await import('../start-pool-dispatcher.ts');
      const pool = poolName(o.pool);
      const config = {
        heartbeatMs: parseDuration(o.heartbeat, '--heartbeat'),
        missedBeats: parseInteger(o.missedBeats, '--missed-beats', { min: 1 }),
        weights: parseWeights(o.weight),
      };
      const g = ctx.globals(cmd);
      const signals = stopSignals(ctx.io);
      const nc = await ctx.connect(g.nats, { longLived: true, name: `fleet-dispatcher-${pool}` });
      try {
        const log = await EventLog.open(nc, { stream: g.stream, root: g.root });
        const d = await startPoolDispatcher(ctx, log, pool, config);
        ctx.print(
          `dispatcher of pool ${pool} running on ${g.nats} (stream ${g.stream}, root ${g.root}), ` +
            `folded to seq ${d.host.position}`,
        );
        const name = await signals.first;
        ctx.print(`${name}: stopping the dispatcher of pool ${pool}`);
        await d.stop();
      } finally {
        signals.dispose();
        await nc.drain();
      }
    });
};
