/** Where Fleet's time went in the measured runs: per-task costs from the meter and the workers. */
import type { FleetMeter } from './fleet-meter.ts';
import type { ChildMessage } from './child-link.ts';
import { summarize } from './stats.ts';
import type { LatencySummary } from './stats.ts';

/** Where Fleet's time went in the measured runs of one configuration. */
export interface FleetProfile {
  readonly tasks: number;
  /** Stored messages per task, all kinds, and by subject kind. */
  readonly messagesPerTask: number;
  readonly messagesPerTaskByKind: Readonly<Record<string, number>>;
  /** Events per stored message, by subject kind. */
  readonly eventsPerMessageByKind: Readonly<Record<string, number>>;
  /** Claim rounds (serve_claims commands) that assigned something, per second of run. */
  readonly roundsPerSecond: number;
  readonly assignmentsPerRound: number;
  /** Wall time of one round: mailbox wait + decide + append + wait for own fold. */
  readonly roundMs: LatencySummary;
  readonly decideMs: LatencySummary;
  /** The dispatcher's appends (publish → ack). */
  readonly appendMs: LatencySummary;
  /** Fold time minus stream timestamp (ms resolution of the stream timestamp). */
  readonly foldLagMs: LatencySummary;
  /** Claim requests per task, and heartbeats sent, by the workers. */
  readonly claimsPerTask: number;
  /** Worker side: handler start → report acknowledged. */
  readonly reportMs: LatencySummary;
  /** CPU ms per 1,000 tasks of each process. */
  readonly cpuPerKTask: { readonly main: number; readonly workers: number; readonly nats: number };
  readonly workerErrors: number;
  /** Assignments decided for claims already answered: nobody gets them until their lease ends. */
  readonly undelivered: number;
  readonly lastErrors: readonly string[];
}

/** CPU ms of this process and of the nats-server at one moment. */
export interface CpuMark {
  readonly main: number;
  readonly nats: number;
}

/** What the measured runs left behind, besides the meter. */
export interface MeasuredRuns {
  readonly tasks: number;
  /** Wall time of the measured runs, ms. */
  readonly runMs: number;
  /** The stream's last sequence before and after. */
  readonly seq0: number;
  readonly seq1: number;
  readonly cpu0: CpuMark;
  readonly cpu1: CpuMark;
  /** The workers' `stats` message after the runs. */
  readonly stats: ChildMessage;
}

export const fleetProfile = (meter: FleetMeter, m: MeasuredRuns): FleetProfile => {
  const { tasks, stats, cpu0, cpu1 } = m;
  const perTask = (n: number) => n / tasks;
  const perMessage: Record<string, number> = {};
  for (const [k, n] of Object.entries(meter.messagesByKind))
    perMessage[k] = (meter.eventsByKind[k] ?? 0) / n;
  return {
    tasks,
    messagesPerTask: perTask(m.seq1 - m.seq0),
    messagesPerTaskByKind: Object.fromEntries(
      Object.entries(meter.messagesByKind).map(([k, n]) => [k, perTask(n)]),
    ),
    eventsPerMessageByKind: perMessage,
    roundsPerSecond: (meter.rounds * 1000) / m.runMs,
    assignmentsPerRound: meter.assignments / meter.rounds,
    roundMs: summarize(meter.roundMs),
    decideMs: summarize(meter.decideMs),
    appendMs: summarize(meter.appendMs),
    foldLagMs: summarize(meter.foldLagMs),
    claimsPerTask: perTask(Number(stats['claims'])),
    reportMs: stats['report'] as LatencySummary,
    cpuPerKTask: {
      main: ((cpu1.main - cpu0.main) * 1000) / tasks,
      workers: (Number(stats['cpuMs']) * 1000) / tasks,
      nats: ((cpu1.nats - cpu0.nats) * 1000) / tasks,
    },
    workerErrors: Number(stats['errors']),
    undelivered: meter.undelivered,
    lastErrors: stats['lastErrors'] as string[],
  };
};
