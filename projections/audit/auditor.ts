import type { AuditItem, AuditSource } from './audit-item.ts';
import { foldAuditItem } from './fold-audit-item.ts';
import { auditReport } from './audit-report.ts';
import type { AuditReport } from './audit-report.ts';
import { initialAuditState } from './audit-state.ts';
import type { AuditObserver, AuditState } from './audit-state.ts';
import { atOrAfter, atOrBefore } from './log-point.ts';
import type { LogPoint } from './log-point.ts';
import { LogWholeness } from './log-wholeness.ts';
import type { LogExtent } from './read-log.ts';

/** Options of an audit. */
export interface AuditOptions {
  /** Only this project's events (a tenant's view); cross-project checks need operator scope. */
  readonly project?: string;
  /**
   * Report what happened from this point on (a sequence, or a server time). Everything before
   * it is still folded: a decision is judged against the whole history before it.
   */
  readonly from?: LogPoint;
  /** Stop after this point (a sequence, or a server time). */
  readonly to?: LogPoint;
  /** Tolerated dispatcher clock skew for leases and key expiry; 1000 ms by default. */
  readonly clockSkewMs?: number;
  /** After how long the dispatchers forget an ended task (1 h) and a dead letter (7 d). */
  readonly forgetEndedAfterMs?: number;
  readonly forgetDeadLettersAfterMs?: number;
  /** Told of every event folded, with its effect and violations. */
  readonly observe?: AuditObserver;
  /** The stream read: a retention point signed for another stream covers nothing. */
  readonly stream?: string;
  /**
   * The operator's public key (`O…`): a stream that does not start at sequence 1 is whole only
   * with a retention point it signed.
   */
  readonly operatorKey?: string;
}

/**
 * An audit fed one stored message at a time, in stream order: for a live read that folds in
 * the consumer's callback without buffering the stream.
 */
export class Auditor {
  readonly #state: AuditState;
  readonly #from: LogPoint | undefined;
  readonly #to: LogPoint | undefined;
  readonly #wholeness: LogWholeness;
  #firstSeq: number | undefined;
  #lastSeq: number | undefined;
  #firstAt: number | undefined;
  #lastAt: number | undefined;
  #past = false;

  constructor(options: AuditOptions = {}) {
    this.#state = initialAuditState({
      ...(options.project === undefined ? {} : { project: options.project }),
      ...(options.clockSkewMs === undefined ? {} : { clockSkewMs: options.clockSkewMs }),
      ...(options.forgetEndedAfterMs === undefined
        ? {}
        : { forgetEndedAfterMs: options.forgetEndedAfterMs }),
      ...(options.forgetDeadLettersAfterMs === undefined
        ? {}
        : { forgetDeadLettersAfterMs: options.forgetDeadLettersAfterMs }),
      ...(options.observe === undefined ? {} : { observe: options.observe }),
    });
    this.#from = options.from;
    this.#to = options.to;
    this.#state.recording = options.from === undefined;
    // A project's read skips other projects' sequences: only the operator's read can be whole.
    this.#wholeness = new LogWholeness({
      whole: options.project === undefined,
      ...(options.stream === undefined ? {} : { stream: options.stream }),
      ...(options.operatorKey === undefined ? {} : { operatorKey: options.operatorKey }),
    });
  }

  /** Where the stream stood when the read began, so that a read that ended early is noticed. */
  start(extent: LogExtent): void {
    this.#wholeness.start(extent);
  }

  /**
   * Folds the next stored message. Returns false once the message is past `to` (it is not
   * folded, nor anything after it): the reader may stop.
   */
  add(item: AuditItem): boolean {
    if (this.#past) return false;
    if (this.#to !== undefined && !atOrBefore(this.#to, item.seq, item.at)) {
      this.#past = true;
      return false;
    }
    const s = this.#state;
    if (!s.recording && this.#from !== undefined && atOrAfter(this.#from, item.seq, item.at))
      s.recording = true;
    const position = s.position;
    foldAuditItem(s, item);
    if (s.position === position) return true; // another project's, or read before
    this.#wholeness.see(item, s.recording);
    if (s.recording) {
      this.#firstSeq ??= item.seq;
      this.#lastSeq = item.seq;
      this.#firstAt ??= item.at;
      this.#lastAt = item.at;
    }
    return true;
  }

  /** The folded state so far (read it, do not change it). */
  get state(): AuditState {
    return this.#state;
  }

  /** The report of everything folded so far. */
  report(): AuditReport {
    const cover = this.#wholeness.cover;
    const byLimits = this.#wholeness.limitsCover;
    return auditReport(
      this.#state,
      {
        ...(this.#from === undefined ? {} : { from: this.#from }),
        ...(this.#to === undefined ? {} : { to: this.#to }),
        ...(this.#firstSeq === undefined ? {} : { firstSeq: this.#firstSeq }),
        ...(this.#lastSeq === undefined ? {} : { lastSeq: this.#lastSeq }),
        ...(this.#firstAt === undefined ? {} : { firstAt: this.#firstAt }),
        ...(this.#lastAt === undefined ? {} : { lastAt: this.#lastAt }),
      },
      {
        violations: this.#wholeness.violations(this.#past),
        ...(cover === undefined ? {} : { retention: cover }),
        ...(byLimits === undefined ? {} : { retainedByLimits: byLimits }),
      },
    );
  }
}

const isAsync = (source: AuditSource): source is AsyncIterable<AuditItem> =>
  Symbol.asyncIterator in source;

/**
 * Audits a fleet's history: replays every stored message in stream order (decoded by the
 * reader with the codec; unreadable ones are counted) and re-derives, for each decision,
 * whether it was legitimate given the events before it. See `ViolationKind` for what is
 * checked; `ok` is false when anything failed.
 */
export const audit = async (
  entries: AuditSource,
  options: AuditOptions = {},
): Promise<AuditReport> => {
  const auditor = new Auditor(options);
  if (isAsync(entries)) {
    for await (const item of entries) if (!auditor.add(item)) break;
  } else {
    for (const item of entries) if (!auditor.add(item)) break;
  }
  return auditor.report();
};
