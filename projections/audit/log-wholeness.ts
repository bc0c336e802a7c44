import { isReadable } from '../../events/index.ts';
import type { FleetEvent } from '../../events/index.ts';
import type { AuditItem } from './audit-item.ts';
import type { LogExtent } from './read-log.ts';
import { limitsRecordProblem } from './limits-record-problem.ts';
import { retentionProblem } from './retention-signature.ts';
import type { Violation } from './violation.ts';

/** Options of a {@link LogWholeness} check. */
export interface LogWholenessOptions {
  /**
   * True when every message of the stream is read (operator scope, no subject filter): then
   * the sequence must run on without gaps from 1, or from a signed retention point.
   */
  readonly whole: boolean;
  /** The stream read: a retention point about another stream covers nothing. */
  readonly stream?: string;
  /** The operator's public key: only retention points it signed count. */
  readonly operatorKey?: string;
}

/**
 * The stream's own limits (max age, max bytes) that explain its first sequence when no retention
 * point covers it: the server removed the head by them (purge and delete are refused, so the
 * head goes no other way). They come from the latest `retention.limits` record read that sets a
 * limit (`recordSeq`; with an operator key, only one it signed counts) or, with no operator key
 * and no record read, from the stream's configuration.
 */
export interface LimitsCover {
  readonly firstSeq: number;
  readonly maxAgeMs?: number;
  readonly maxBytes?: number;
  /** The sequence of the record of these limits; absent when they come from the configuration. */
  readonly recordSeq?: number;
  /** The operator key that signed the record, when it was checked against it. */
  readonly signedBy?: string;
}

type RecordedLimits = Omit<LimitsCover, 'firstSeq'> & { readonly recordSeq: number };

/** The retention point that explains a stream's first sequence. */
export interface RetentionCover {
  readonly seq: number;
  readonly firstSeq: number;
  readonly reason: string;
  readonly operator: string;
}

const OPS_SUFFIX = '._ops.retention';

const hasLimits = (l: { maxAgeMs?: number; maxBytes?: number } | undefined): boolean =>
  l?.maxAgeMs !== undefined || l?.maxBytes !== undefined;

const range = (from: number, to: number) => (from === to ? `seq ${from}` : `seq ${from}–${to}`);

/**
 * Whether the log read is whole: no message on a Fleet subject that is not a valid event of it,
 * no sequence missing between the messages read, a head missing only where the operator signed
 * a retention point, and a read that reached the last message the stream held when it began.
 * A log cut at its tail looks whole from the stream alone: what was never read cannot be missed.
 */
export class LogWholeness {
  readonly #options: LogWholenessOptions;
  #extent: LogExtent | undefined;
  #first: number | undefined;
  #last: number | undefined;
  #cover: RetentionCover | undefined;
  /** The latest limits record read that counts and sets a limit. */
  #recorded: RecordedLimits | undefined;
  /** Retention points that could not be checked for want of an operator key. */
  readonly #unverified: number[] = [];
  readonly #found: Violation[] = [];

  constructor(options: LogWholenessOptions) {
    this.#options = options;
  }

  /** Where the stream stood when the read began (its stream info). */
  start(extent: LogExtent): void {
    this.#extent = extent;
  }

  /** The retention point that covers the stream's head, once one was read. */
  get cover(): RetentionCover | undefined {
    return this.#cover;
  }

  /**
   * The stream's limits, when they explain a head that no retention point covers (operator
   * scope only: a project's read proves no sequence).
   */
  get limitsCover(): LimitsCover | undefined {
    const start = this.#extent?.firstSeq ?? 1;
    const limits = this.#extent?.limits;
    if (!this.#options.whole || start <= 1 || (this.#cover?.firstSeq ?? 0) >= start)
      return undefined;
    if (this.#recorded !== undefined) return { firstSeq: start, ...this.#recorded };
    // With an operator key only its signed record counts: the configuration is anyone's who
    // may edit the stream.
    if (this.#options.operatorKey !== undefined) return undefined;
    if (limits?.maxAgeMs === undefined && limits?.maxBytes === undefined) return undefined;
    return { firstSeq: start, ...limits };
  }

  /** Checks the next message read, in stream order; `recording` when inside the audit window. */
  see(item: AuditItem, recording: boolean): void {
    const expected = this.#last === undefined ? this.#extent?.firstSeq : this.#last + 1;
    if (this.#options.whole && expected !== undefined && item.seq > expected && recording)
      this.#violate({
        kind: 'log_gap',
        seqs: this.#last === undefined ? [item.seq] : [this.#last, item.seq],
        missing: { from: expected, to: item.seq - 1 },
        detail: `${range(expected, item.seq - 1)} missing: removed from the stream`,
        events: [],
      });
    this.#first ??= item.seq;
    this.#last = Math.max(item.seq, this.#last ?? 0);
    const entry = item.entry;
    if (!isReadable(entry)) {
      if (recording)
        this.#violate({
          kind: 'invalid_message',
          seqs: [item.seq],
          detail: `${item.subject}: ${entry.refused.code}: ${entry.refused.message}`,
          events: [],
        });
      return;
    }
    for (const e of entry.events) {
      if (e.type === 'retention.point') this.#point(item, e, recording);
      if (e.type === 'retention.limits') this.#limits(item, e, recording);
    }
  }

  #limits(
    item: AuditItem,
    e: Extract<FleetEvent, { type: 'retention.limits' }>,
    recording: boolean,
  ) {
    const stream = this.#options.stream;
    if (stream !== undefined && e.data.stream !== stream) return; // another stream's
    const key = this.#options.operatorKey;
    const problem =
      key === undefined
        ? undefined
        : limitsRecordProblem(e.data, item.subject.slice(0, -OPS_SUFFIX.length), key);
    if (problem !== undefined) {
      if (recording)
        this.#violate({
          kind: 'invalid_message',
          seqs: [item.seq],
          detail: `limits record not the operator's: ${problem}`,
          events: [e],
        });
      return;
    }
    const { maxAgeMs, maxBytes } = e.data;
    if (maxAgeMs === undefined && maxBytes === undefined) return; // lifted: explains nothing new
    this.#recorded = {
      recordSeq: item.seq,
      ...(maxAgeMs === undefined ? {} : { maxAgeMs }),
      ...(maxBytes === undefined ? {} : { maxBytes }),
      ...(key === undefined ? {} : { signedBy: key }),
    };
  }

  #point(item: AuditItem, e: Extract<FleetEvent, { type: 'retention.point' }>, recording: boolean) {
    const key = this.#options.operatorKey;
    if (key === undefined) {
      this.#unverified.push(item.seq);
      return;
    }
    const root = item.subject.slice(0, -OPS_SUFFIX.length);
    const problem = retentionProblem(e.data, root, key, this.#options.stream);
    if (problem === undefined) {
      if (e.data.firstSeq > (this.#cover?.firstSeq ?? 0))
        this.#cover = { seq: item.seq, ...e.data };
    } else if (recording)
      this.#violate({
        kind: 'invalid_message',
        seqs: [item.seq],
        detail: `retention point not the operator's: ${problem}`,
        events: [e],
      });
  }

  #violate(v: Violation): void {
    this.#found.push(v);
  }

  /**
   * Every violation found, in stream order, with the truncated head and the unread tail
   * judged now that the read is over. `stoppedEarly` when the audit stopped at its `to`.
   */
  violations(stoppedEarly: boolean): Violation[] {
    const out: Violation[] = [];
    if (this.#options.whole) {
      const head = this.#truncated();
      if (head !== undefined) out.push(head);
    }
    out.push(...this.#found);
    const tail = this.#options.whole && !stoppedEarly ? this.#unread() : undefined;
    if (tail !== undefined) out.push(tail);
    return out;
  }

  #truncated(): Violation | undefined {
    // An empty stream that was emptied whole still says where it would start: first = last + 1.
    const start = this.#extent?.firstSeq ?? this.#first ?? 1;
    if (start <= 1 || (this.#cover?.firstSeq ?? 0) >= start) return undefined;
    if (this.limitsCover !== undefined) return undefined; // retention by the stream's limits
    const unverified = this.#unverified.length === 0 ? undefined : this.#unverified;
    const why =
      unverified !== undefined
        ? `retention point${unverified.length === 1 ? '' : 's'} at seq ${unverified.join(', ')} ` +
          'could not be checked: no operator key was given (--operator-key or --data-dir)'
        : this.#cover !== undefined
          ? `the operator's retention point at seq ${this.#cover.seq} covers only up to ` +
            `seq ${this.#cover.firstSeq - 1}`
          : this.#options.operatorKey === undefined
            ? 'no retention point was read, and no operator key was given to check one'
            : hasLimits(this.#extent?.limits)
              ? 'no retention point nor limits record signed by the operator covers it (the ' +
                'stream is configured with limits, but nothing on it shows the operator set them)'
              : 'no retention point signed by the operator covers it';
    return {
      kind: 'log_truncated',
      seqs: [],
      missing: { from: 1, to: start - 1 },
      detail: `the stream starts at seq ${start}: ${range(1, start - 1)} removed; ${why}`,
      events: [],
    };
  }

  #unread(): Violation | undefined {
    const extent = this.#extent;
    if (extent === undefined || extent.messages === 0) return undefined;
    const last = this.#last ?? extent.firstSeq - 1;
    if (last >= extent.lastSeq) return undefined;
    return {
      kind: 'read_incomplete',
      seqs: [],
      missing: { from: last + 1, to: extent.lastSeq },
      detail:
        `the stream held seq ${extent.firstSeq}–${extent.lastSeq} when the audit began, the read ` +
        `ended ${this.#last === undefined ? 'before the first' : `after seq ${last}`}: ` +
        `${range(last + 1, extent.lastSeq)} not checked`,
      events: [],
    };
  }
}
