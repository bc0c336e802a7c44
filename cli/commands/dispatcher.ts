import type { Command } from 'commander';
import type { Dispatcher } from '../../actors/dispatcher/dispatcher.ts';
import { InvalidInputError } from '../../events/errors.ts';
import type { CliContext } from '../cli-context.ts';
import { parseDuration } from '../parse-duration.ts';
import {
  collect,
  parseInteger,
  parseList,
  parseWeights,
  REPLICAS_HELP,
  replicasOption,
} from '../parse-options.ts';
import { stopSignals } from '../stop-signals.ts';
import { healLine } from '../../log/heal-line.ts';
import { Readiness, startHealthServer } from '../health-server.ts';

interface DispatcherOptions {
  pool?: string;
  pools?: string[];
  heartbeat: string;
  missedBeats: string;
  endedKept: string;
  forgetEndedAfter: string;
  forgetDeadLettersAfter: string;
  retryInitial: string;
  retryMax: string;
  retryMultiplier: string;
  weight?: string[];
  fairShare?: string;
  halfLife?: string;
  healthPort?: string;
  replicas?: string;
}

/** `fleet dispatcher`: runs the dispatchers of one or more pools until a signal. */
export const registerDispatcher = (program: Command, ctx: CliContext): void => {
  program
    .command('dispatcher')
    .description(
      'run the dispatcher of a pool (or of several: --pools) with snapshots until SIGINT or ' +
        'SIGTERM; started twice, one serves each pool and the other stands by to take over',
    )
    .option('--pool <pool>', 'the pool to dispatch')
    .option(
      '--pools <a,b>',
      'several pools in this process, to shard pools across dispatcher processes (repeatable)',
      collect,
    )
    .option('--replicas <n>', REPLICAS_HELP)
    .option('--heartbeat <duration>', 'the heartbeat period workers use', '1s')
    .option('--missed-beats <n>', 'heartbeats missed before a worker is lost', '2')
    .option(
      '--ended-kept <n>',
      'ended tasks that keep their record; older ones leave for the compact ended index',
      '10000',
    )
    .option(
      '--forget-ended-after <duration>',
      'stream time after its end at which an ended task is forgotten (its id may then be ' +
        'submitted again as a new task); every fold of the pool, the audit too, must share it',
      '1h',
    )
    .option(
      '--forget-dead-letters-after <duration>',
      'the same for a dead-lettered task: how long it may still be redriven',
      '7d',
    )
    .option(
      '--retry-initial <duration>',
      'pool default: the wait after a first failed attempt',
      '1s',
    )
    .option('--retry-max <duration>', 'pool default: the longest wait before a retry', '1m')
    .option('--retry-multiplier <n>', 'pool default: how each wait grows on the last', '2')
    .option('--weight <project=weight>', 'fair-share weight of a project (repeatable)', collect)
    .option(
      '--fair-share <by>',
      'what fair share across projects counts: tasks (assignments, the default), tokens ' +
        '(reported) or seconds (attempts held, on the stream clock)',
    )
    .option(
      '--half-life <duration>',
      'measured use (tokens, seconds) halves every <duration> of stream time (default 1h)',
    )
    .option(
      '--health-port <port>',
      'serve GET /healthz on 127.0.0.1:<port>: 200 once ready (with each pool’s role, active ' +
        'or standby), 503 with progress while catching up',
    )
    .action(async (o: DispatcherOptions, cmd: Command) => {
      const { EventLog } = await import('../../log/index.ts');
      const { serviceLogger } = await import('../service-logger.ts');
      const { poolName, startPoolDispatcher } = await import('../start-pool-dispatcher.ts');
      // Here, not at the top: `fleet --help` loads no zod (the backoff's bounds are the contract's).
      const { parseBackoff } = await import('../parse-backoff.ts');
      const { parseFairShare } = await import('../parse-fair-share.ts');
      const pools = [
        ...new Set([
          ...(o.pool === undefined ? [] : [poolName(o.pool)]),
          ...parseList(o.pools).map((p) => poolName(p, '--pools')),
        ]),
      ];
      if (pools.length === 0) throw new InvalidInputError('--pool', 'give --pool or --pools');
      const config = {
        heartbeatMs: parseDuration(o.heartbeat, '--heartbeat'),
        missedBeats: parseInteger(o.missedBeats, '--missed-beats', { min: 1 }),
        endedTasksKept: parseInteger(o.endedKept, '--ended-kept', { min: 0 }),
        forgetEndedAfterMs: parseDuration(o.forgetEndedAfter, '--forget-ended-after'),
        forgetDeadLettersAfterMs: parseDuration(
          o.forgetDeadLettersAfter,
          '--forget-dead-letters-after',
        ),
        weights: parseWeights(o.weight),
        fairShare: parseFairShare(o.fairShare, o.halfLife),
        retry: parseBackoff({
          initial: o.retryInitial,
          max: o.retryMax,
          multiplier: o.retryMultiplier,
        }),
      };
      const g = ctx.globals(cmd);
      const signals = stopSignals(ctx.io);
      const readiness = new Readiness();
      const health =
        o.healthPort === undefined
          ? undefined
          : await startHealthServer(
              readiness,
              parseInteger(o.healthPort, '--health-port', { min: 0, max: 65535 }),
            );
      if (health !== undefined) ctx.print(`health: http://127.0.0.1:${health.port}/healthz`);
      const nc = await ctx.connect(g.nats, {
        longLived: true,
        name: `fleet-dispatcher-${pools.join('-')}`,
      });
      const dispatchers: Dispatcher[] = [];
      try {
        const logger = serviceLogger(ctx, 'dispatcher', { pool: pools.join(',') });
        const log = await EventLog.open(nc, {
          stream: g.stream,
          root: g.root,
          read: { onHeal: (h) => logger.warn({ ...h }, healLine(h)) },
          ...replicasOption(o.replicas),
        });
        for (const pool of pools) {
          const d = await startPoolDispatcher(ctx, log, pool, config, readiness);
          dispatchers.push(d);
          // The host's position is the pool's last message: say so, and where the stream is.
          const streamSeq = await log.lastSeq();
          const n = (x: number) => x.toLocaleString('en-US');
          ctx.print(
            `dispatcher of pool ${pool} running on ${g.nats} (stream ${g.stream}, root ${g.root}); ` +
              `pool ${pool}: folded ${n(d.host.stats.folded)} of the pool's messages up to stream ` +
              `sequence ${n(Math.max(streamSeq, d.host.position))}`,
          );
        }
        const outcome = await Promise.race([signals.first, ...dispatchers.map((d) => d.failed)]);
        // It gave up (its log diverged): stop, and exit non-zero with why.
        if (outcome instanceof Error) throw outcome;
        ctx.print(`${outcome}: stopping the dispatcher of pool ${pools.join(', ')}`);
      } finally {
        for (const d of dispatchers) await d.stop();
        signals.dispose();
        await health?.stop();
        await nc.drain();
      }
    });
};
