import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitReasonText } from '../../domain/pool/wait-reason-text.ts';
import type { HistogramView, ProjectionsSnapshot } from '../../projections/index.ts';
import { boundedRead, DEFAULT_READ_WAIT, READ_WAIT_HELP } from '../bounded-read.ts';
import type { CliContext } from '../cli-context.ts';
import type { KeyInput } from '../cli-io.ts';
import { errorMessage } from '../error-message.ts';
import { formatTable } from '../format-table.ts';
import { parseDuration } from '../parse-duration.ts';
import { stopSignals } from '../stop-signals.ts';
import { scopeOf } from './costs.ts';

interface TopOptions {
  project?: string;
  interval: string;
  once?: boolean;
  prices?: string;
  wait: string;
}

/** On a terminal: the alternate screen, without the cursor, as `top` does; and back. */
const ENTER_SCREEN = '\x1b[?1049h\x1b[?25l';
const LEAVE_SCREEN = '\x1b[?25h\x1b[?1049l';
/** Cursor home; each line clears what was left of the last frame's, then all below. */
const HOME = '\x1b[H';
const CLEAR_LINE = '\x1b[K';
const CLEAR_BELOW = '\x1b[J';
/** Keys that quit: q, Q, and Ctrl-C (a key, not a signal, in raw mode). */
const QUIT_KEYS = ['q', 'Q', '\x03'];
/** Rows of the longer sections. */
const ROWS = 8;

const ago = (ms: number | null): string => {
  if (ms === null) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
};
const ms = (x: number | null) => (x === null ? '-' : x < 1000 ? `${x}ms` : ago(x));
const quantiles = (h: HistogramView) => `p50 ${ms(h.p50Ms)}  p99 ${ms(h.p99Ms)}  (n=${h.count})`;

/** One frame of `fleet top`: the essentials of a snapshot, as lines. */
export const topFrame = (s: ProjectionsSnapshot, title: string): string[] => {
  const { fleet, costs, latency, rejections } = s;
  const w = fleet.totals.workers;
  const lines = [
    `${title} — seq ${s.position} — ${new Date(s.at).toISOString()}`,
    '',
    `WORKERS  idle ${w.idle}  busy ${w.busy}  draining ${w.draining}  lost ${w.lost}  ` +
      `revoked ${w.revoked}  left ${w.left}   load ${fleet.totals.held}/${fleet.totals.capacity}`,
    `TASKS    queued ${fleet.totals.tasks.queued}  assigned ${fleet.totals.tasks.assigned}  ` +
      `completed ${fleet.totals.tasks.completed}  failed ${fleet.totals.tasks.failed}  ` +
      `dead-lettered ${fleet.totals.tasks.dead_lettered}  cancelled ${fleet.totals.tasks.cancelled}  ` +
      `timed out ${fleet.totals.tasks.timed_out}`,
    `LAST MINUTE  ${fleet.throughput.completed} completed, ${fleet.throughput.failed} failed, ` +
      `${fleet.throughput.perSecond.toFixed(2)}/s`,
    `LATENCY  submit→assign ${quantiles(latency.total.submitToAssign)}   ` +
      `assign→complete ${quantiles(latency.total.assignToComplete)}`,
    '',
  ];
  const queues = fleet.pools.filter((p) => p.queued > 0 || p.workers.idle + p.workers.busy > 0);
  lines.push('QUEUES');
  if (queues.length === 0) lines.push('  (nothing queued, no active workers)');
  else
    lines.push(
      ...formatTable(
        ['  PROJECT', 'POOL', 'QUEUED', 'OLDEST', 'IDLE', 'BUSY', 'LOAD'],
        queues
          .slice(0, ROWS)
          .map((p) => [
            `  ${p.project}`,
            p.pool,
            String(p.queued),
            ago(p.oldestQueuedAgeMs),
            String(p.workers.idle),
            String(p.workers.busy),
            `${p.held}/${p.capacity}`,
          ]),
      ),
    );
  for (const g of fleet.waiting.slice(0, ROWS))
    lines.push(
      `  waiting: ${g.project}/${g.pool} ${g.queued} task(s), ${waitReasonText(g.reason)}`,
    );
  if (fleet.limits.length > 0) lines.push('', 'LIMITS (used = spent + reserved)');
  for (const l of fleet.limits.slice(0, ROWS)) {
    const burn =
      l.burnPerHour === undefined
        ? ''
        : `, burning ${l.kind === 'budget_usd' ? `$${l.burnPerHour.toFixed(2)}` : Math.round(l.burnPerHour).toLocaleString('en-US')}/h`;
    lines.push(`  ${l.project}/${l.pool} ${l.text}${burn}`);
  }
  const { live, backoff } = fleet.launches;
  if (live.length > 0 || backoff.length > 0) {
    lines.push('', `LAUNCHES  ${live.length} under way, ${backoff.length} template(s) backing off`);
    for (const l of live.slice(0, ROWS))
      lines.push(
        `  ${l.project}/${l.pool} ${l.template} (${l.runtime}) for task ${l.taskId}: ` +
          `${l.status === 'started' ? `worker ${l.workerId ?? '?'} enrolled` : 'requested'}, ${ago(l.ageMs)}`,
      );
    for (const b of backoff.slice(0, ROWS))
      lines.push(
        `  ${b.project}/${b.pool} ${b.template} (${b.runtime}) failed ${b.failures}x: ` +
          `${b.code}: ${b.message}; retry in ${Math.ceil(b.retryInMs / 1000)} s`,
      );
  }
  lines.push('', 'COST PER TENANT');
  if (costs.byProject.length === 0) lines.push('  (no usage reported)');
  else
    lines.push(
      ...formatTable(
        ['  PROJECT', 'TASKS', 'FAILURES', 'TOKENS', 'COST', 'COMPUTE S'],
        costs.byProject.map((c) => [
          `  ${c.project}`,
          String(c.completed + c.failed),
          String(c.failures),
          String(c.tokensIn + c.tokensOut),
          `$${c.costUsd.toFixed(4)}`,
          c.computeSeconds.toFixed(1),
        ]),
      ),
    );
  const refused = rejections.claims.total + rejections.submissions.total + rejections.events.total;
  lines.push(
    '',
    `REJECTIONS  ${refused} (claims ${rejections.claims.total}, submissions ` +
      `${rejections.submissions.total}, events ${rejections.events.total})`,
  );
  for (const r of rejections.recent.slice(0, 5))
    lines.push(
      `  seq ${r.seq} ${r.kind} ${r.project ?? '?'}${r.pool === null ? '' : `/${r.pool}`} ` +
        `${r.reason}: ${r.type}${r.detail === '' ? '' : ` — ${r.detail}`}`,
    );
  return lines;
};

/** Aborts `stop` when a quit key is pressed on `keys` (raw mode while it listens). */
const quitOnKey = (keys: KeyInput | undefined, stop: AbortController) => {
  const onData = (chunk: Buffer | string) => {
    const text = chunk.toString();
    if (QUIT_KEYS.some((k) => text.includes(k))) stop.abort();
  };
  keys?.setRawMode?.(true);
  keys?.on('data', onData);
  keys?.resume();
  return {
    dispose: () => {
      keys?.off('data', onData);
      keys?.setRawMode?.(false);
      keys?.pause();
    },
  };
};

/** `fleet top`: the fleet at a glance in the terminal, redrawn until `q`, SIGINT or SIGTERM. */
export const registerTop = (program: Command, ctx: CliContext): void => {
  program
    .command('top')
    .description(
      'the fleet at a glance — workers, queues, throughput, latency, cost, rejections; ' +
        'q quits (on a terminal; elsewhere, one block per refresh)',
    )
    .option('--project <project>', 'only this project')
    .option('--interval <duration>', 'time between redraws', '1s')
    .option('--once', 'print one frame and exit')
    .option('--prices <file>', 'price table JSON for tokens reported without a cost')
    .option('--wait <duration>', READ_WAIT_HELP, DEFAULT_READ_WAIT)
    .action(async (o: TopOptions, cmd: Command) => {
      const { readerCheckpoints } = await import('../reader-checkpoints.ts');
      const { DEFAULT_PRICE_TABLE, loadPriceTable, startProjections } =
        await import('../../projections/index.ts');
      const scope = scopeOf(o.project);
      const interval = Math.max(100, parseDuration(o.interval, '--interval'));
      const priceTable =
        o.prices === undefined ? DEFAULT_PRICE_TABLE : await loadPriceTable(o.prices);
      const g = ctx.globals(cmd);
      const title = `fleet top (${o.project ?? 'all projects'}; stream ${g.stream})`;
      const once = o.once === true;
      const signals = once ? undefined : stopSignals(ctx.io);
      const nc = await ctx.connect(g.nats, { longLived: !once, name: 'fleet-top' });
      try {
        const log = await ctx.openLog(nc, g);
        const projections = await startProjections({
          log,
          priceTable,
          ...(await readerCheckpoints(log)),
          ...boundedRead(ctx, o.wait, signals?.aborted),
          onError: (e) => {
            if (!once) ctx.warn(`top: ${errorMessage(e)}`);
          },
        });
        try {
          const frame = () => topFrame(projections.snapshot(scope), title).join('\n');
          if (once) {
            ctx.print(frame());
            return;
          }
          const stop = new AbortController();
          void signals?.first.then(() => stop.abort());
          const quit = quitOnKey(ctx.io.keys, stop);
          const tty = ctx.io.tty === true;
          if (tty) ctx.io.stdout(ENTER_SCREEN);
          try {
            while (!stop.signal.aborted) {
              // A terminal redraws in place; a pipe or a file gets one block per refresh.
              ctx.io.stdout(
                tty
                  ? `${HOME}${frame().split('\n').join(`${CLEAR_LINE}\n`)}${CLEAR_LINE}\n${CLEAR_BELOW}`
                  : `${frame()}\n\n`,
              );
              await sleep(interval, undefined, { signal: stop.signal }).catch(() => undefined);
            }
          } finally {
            quit.dispose();
            if (tty) ctx.io.stdout(LEAVE_SCREEN);
          }
        } finally {
          await projections.stop();
        }
      } finally {
        signals?.dispose();
        await nc.drain();
      }
    });
};
