/** Submit → start of one idle task, cut at each step of its path to find where the wait goes. */
import { summarize } from './stats.ts';
import type { LatencySummary } from './stats.ts';

/** Moments of one latency sample on the shared clock, ms. */
export interface Probe {
  t0?: number;
  /** The dispatcher folded the submission. */
  folded?: number;
  /** A claim round was posted to the dispatcher's mailbox after that. */
  roundPosted?: number;
  /** The round's decision went out as an append. */
  appendSent?: number;
  /** JetStream acknowledged it. */
  appendAcked?: number;
  /** The dispatcher folded its own append; the claim is answered now. */
  roundDone?: number;
  /** The worker's handler started. */
  at?: number;
}

/** Submit → start cut into steps (ms): where an idle task's wait goes. */
export interface LatencyBreakdown {
  /** Producer publish → the dispatcher has folded the submission. */
  readonly submitFolded: LatencySummary;
  /** → a claim round is posted (the round is scheduled with `setImmediate`). */
  readonly roundPosted: LatencySummary;
  /** → decided, the append sent (mailbox + decide + encode). */
  readonly decided: LatencySummary;
  /** → the append acknowledged. */
  readonly appended: LatencySummary;
  /** → the dispatcher folded its own append (it acts only on folded decisions). */
  readonly ownFold: LatencySummary;
  /** → the claim reply reached the worker and the handler started. */
  readonly started: LatencySummary;
}

/** A probe that saw every step, or undefined (the sample is left out of the breakdown). */
export const completeProbe = (p: Probe): Required<Probe> | undefined => {
  const { t0, folded, roundPosted, appendSent, appendAcked, roundDone, at } = p;
  if (
    t0 === undefined ||
    folded === undefined ||
    roundPosted === undefined ||
    appendSent === undefined ||
    appendAcked === undefined ||
    roundDone === undefined ||
    at === undefined
  )
    return undefined;
  return { t0, folded, roundPosted, appendSent, appendAcked, roundDone, at };
};

export const latencyBreakdown = (probes: readonly Required<Probe>[]): LatencyBreakdown => {
  const segment = (f: (p: Required<Probe>) => number) => summarize(probes.map(f));
  return {
    submitFolded: segment((p) => p.folded - p.t0),
    roundPosted: segment((p) => p.roundPosted - p.folded),
    decided: segment((p) => p.appendSent - p.roundPosted),
    appended: segment((p) => p.appendAcked - p.appendSent),
    ownFold: segment((p) => p.roundDone - p.appendAcked),
    started: segment((p) => p.at - p.roundDone),
  };
};
