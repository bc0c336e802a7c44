import type { NatsConnection } from '@nats-io/transport-node';
import {
  jetstream,
  jetstreamManager,
  JetStreamApiCodes,
  JetStreamApiError,
} from '@nats-io/jetstream';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import {
  ConflictError,
  decode,
  DEFAULT_ROOT,
  DEFAULT_STREAM,
  encode,
  InvalidInputError,
  refusalSubject,
  streamConfig,
  streamLimitsConfig,
  subjects,
  NotFoundError,
  UnavailableError,
} from '../events/index.ts';
import type { FleetEventInput, LogEntry, StreamLimits, Subjects } from '../events/index.ts';
import { healLine } from './heal-line.ts';
import { openRead } from './stream-read.ts';
import type { Heal, Read, ReadOptions, StoredItem } from './stream-read.ts';
import { limitsRecord } from './record-limits.ts';
import type { LimitsSigner } from './record-limits.ts';

/** Where Fleet's log lives. */
export interface LogLocation {
  /** JetStream stream name; `FLEET` by default. */
  readonly stream?: string;
  /** Subject root; `fleet` by default. */
  readonly root?: string;
  /**
   * Servers holding a copy of the stream (and of the buckets made for it): set on creation, and
   * changed on an existing stream when given. Unset: 1 for a new stream, an existing one as is.
   */
  readonly replicas?: number;
  /**
   * How reads pull and heal; by default each heal is one line on stderr, so an operator sees
   * why a read paused.
   */
  readonly read?: ReadOptions;
  /**
   * Whether `open` creates the stream when it is missing (default true). A reader passes
   * false: it must never make a deployment appear where there was none.
   */
  readonly create?: boolean;
  /**
   * The stream's age and size limits (events/streams.ts): set on creation, and on an existing
   * stream when given (the operator's right). Unset: none for a new stream, an existing one as is.
   */
  readonly limits?: StreamLimits;
  /**
   * The operator's key: limits set or changed are recorded on the stream (`retention.limits`)
   * signed with it; without it, unsigned.
   */
  readonly operator?: LimitsSigner;
}

const logHeal = (heal: Heal): void => {
  console.error(healLine(heal));
};

/**
 * JetStream's answers meaning "not that many servers": no suitable peers (a cluster smaller
 * than the replicas), insufficient resources, replicas not supported (a single server).
 */
const TOO_FEW_SERVERS = new Set<number>([10005, 10023, 10074]);

/** Awaits a stream change, telling a replica count the servers cannot hold as bad input. */
const withReplicas = async (
  stream: string,
  replicas: number | undefined,
  change: Promise<unknown>,
) => {
  try {
    await change;
  } catch (cause) {
    if (cause instanceof JetStreamApiError && TOO_FEW_SERVERS.has(cause.code))
      throw new InvalidInputError(
        'replicas',
        `stream ${stream} cannot have ${String(replicas)} replicas: the NATS servers with ` +
          `JetStream are fewer (a single server holds 1; a cluster at most its size) — ${cause.message}`,
        { cause },
      );
    throw new UnavailableError(`cannot create or change stream ${stream}`, { cause });
  }
};

/** What an append stored. */
export interface Appended {
  readonly subject: string;
  readonly seq: number;
  /** True when JetStream already had a message with this id: nothing new was stored. */
  readonly duplicate: boolean;
}

/** Options of one append. */
export interface AppendOptions {
  /** JetStream dedupe id: a retry with the same id stores nothing twice. */
  readonly msgId?: string;
  /** Exclusive append: refused with `ConflictError` unless this is the subject's last sequence. */
  readonly expectedLastSubjectSeq?: number;
}

/**
 * A live read of the log: `caughtUp` resolves once every message stored when it started has
 * been delivered (or it was stopped); `done` when it ends after `stop` (a read heals itself
 * otherwise), rejecting with what `onItem` threw.
 */
export type Tail = Read;

/** One stored message as a fold sees it, with the subject it was stored on. */
export interface TailItem {
  readonly subject: string;
  readonly entry: LogEntry;
  /** The W3C trace context the message was stored with (its `traceparent` header), if any. */
  readonly traceparent?: string;
}

const aboutOf = (m: StoredItem, root: string) => {
  const about = refusalSubject(m.subject, m.data, root);
  return about === undefined ? {} : { about };
};

const toEntry = (m: StoredItem, root: string): LogEntry => {
  const at = m.at;
  const decoded = decode(m.subject, m.data, { root });
  return decoded.ok
    ? { seq: m.seq, at, events: decoded.value.events }
    : {
        seq: m.seq,
        at,
        refused: { code: decoded.error.code, message: decoded.error.message },
        ...aboutOf(m, root),
      };
};

/**
 * Fleet's event log on JetStream: appends (optionally exclusive, always deduplicable) and
 * ordered live reads from any sequence, each message decoded by the codec.
 */
export class EventLog {
  readonly stream: string;
  readonly subjects: Subjects;
  readonly #js: JetStreamClient;
  /** How this log's reads pull and heal. */
  readonly readOptions: ReadOptions;
  /** Servers holding the stream: buckets made for this deployment get as many. */
  replicas = 1;

  private constructor(
    readonly nc: NatsConnection,
    readonly jsm: JetStreamManager,
    location: LogLocation,
  ) {
    this.stream = location.stream ?? DEFAULT_STREAM;
    this.subjects = subjects(location.root ?? DEFAULT_ROOT);
    this.#js = jetstream(nc);
    this.readOptions = { onHeal: logHeal, ...location.read };
  }

  /**
   * Opens the log, creating the stream when it does not exist yet — unless `location.create` is
   * false: then `NotFoundError`.
   *
   * @throws InvalidInputError when `replicas` is more than the servers JetStream has.
   */
  static async open(nc: NatsConnection, location: LogLocation = {}): Promise<EventLog> {
    const jsm = await jetstreamManager(nc);
    const log = new EventLog(nc, jsm, location);
    const wanted = location.replicas;
    const config = streamConfig({
      name: log.stream,
      root: log.subjects.root,
      ...(wanted === undefined ? {} : { replicas: wanted }),
      ...(location.limits === undefined ? {} : { limits: location.limits }),
    });
    let info;
    try {
      info = await jsm.streams.info(log.stream);
    } catch (cause) {
      if (!(cause instanceof JetStreamApiError) || cause.code !== JetStreamApiCodes.StreamNotFound)
        throw new UnavailableError(`cannot reach stream ${log.stream}`, { cause });
      if (location.create === false)
        throw new NotFoundError(`no stream ${log.stream} on this server`, { cause });
      await withReplicas(log.stream, wanted, jsm.streams.add(config));
      log.replicas = config.num_replicas;
      if (location.limits !== undefined)
        await log.#recordLimits(location.limits, location.operator);
      return log;
    }
    log.replicas = info.config.num_replicas;
    if (wanted !== undefined && wanted !== info.config.num_replicas) {
      // Scaled in place: JetStream copies the stream to the new peers (or drops copies).
      await withReplicas(
        log.stream,
        wanted,
        jsm.streams.update(log.stream, { ...info.config, num_replicas: wanted }),
      );
      log.replicas = wanted;
    }
    if (location.limits !== undefined) {
      const limits = streamLimitsConfig(location.limits);
      const now = info.config;
      if (
        now.max_age !== limits.max_age ||
        now.max_bytes !== limits.max_bytes ||
        now.discard !== limits.discard
      ) {
        info = await jsm.streams
          .update(log.stream, { ...now, ...limits })
          .catch((cause: unknown) => {
            throw new UnavailableError(`cannot set the limits of stream ${log.stream}`, { cause });
          });
        await log.#recordLimits(location.limits, location.operator);
      } else if (location.operator !== undefined) {
        // Unchanged, but signed anew: a record ages out with the head it explains, and each
        // `fleet up --secure` with the limits renews it.
        await log.#recordLimits(location.limits, location.operator);
      }
    }
    // A stream made by an older version may still be purged: guard it where this user may
    // (the operator's); a service without the right leaves it to `fleet up`.
    if (!info.config.deny_purge || !info.config.deny_delete)
      await jsm.streams
        .update(log.stream, { ...info.config, deny_purge: true, deny_delete: true })
        .catch(() => undefined);
    return log;
  }

  /**
   * Records limits just set, at this position of the stream: the head they later remove is
   * explained by a record that was there before it (`fleet audit`).
   */
  async #recordLimits(limits: StreamLimits, operator: LimitsSigner | undefined): Promise<void> {
    const at = Date.now();
    await this.append(
      this.subjects.retention(),
      limitsRecord(this.subjects.root, this.stream, limits, at, operator),
    );
  }

  /** Appends events as one message (a batch when several). */
  async append(
    subject: string,
    events: FleetEventInput | readonly FleetEventInput[],
    options: AppendOptions = {},
  ): Promise<Appended> {
    const expect =
      options.expectedLastSubjectSeq === undefined
        ? undefined
        : { lastSubjectSequence: options.expectedLastSubjectSeq };
    try {
      const ack = await this.#js.publish(subject, encode(events), {
        ...(options.msgId === undefined ? {} : { msgID: options.msgId }),
        ...(expect === undefined ? {} : { expect }),
      });
      return { subject, seq: ack.seq, duplicate: ack.duplicate };
    } catch (cause) {
      if (
        cause instanceof JetStreamApiError &&
        cause.code === JetStreamApiCodes.StreamWrongLastSequence &&
        options.expectedLastSubjectSeq !== undefined
      )
        throw new ConflictError(subject, options.expectedLastSubjectSeq, { cause });
      throw new UnavailableError(`append to ${subject} failed`, { cause });
    }
  }

  /** The last sequence stored in the stream (0 when empty). */
  async lastSeq(): Promise<number> {
    const info = await this.jsm.streams.info(this.stream);
    return info.state.last_seq;
  }

  /** The sequence of the last message stored on `subject` (0 when none). */
  async lastSubjectSeq(subject: string): Promise<number> {
    try {
      const m = await this.jsm.streams.getMessage(this.stream, { last_by_subj: subject });
      return m?.seq ?? 0;
    } catch (cause) {
      if (cause instanceof JetStreamApiError && cause.code === JetStreamApiCodes.NoMessageFound)
        return 0;
      throw new UnavailableError(`cannot read the last message of ${subject}`, { cause });
    }
  }

  /**
   * Reads messages matching `filter` (one subject filter: nats-server 2.9 has no multi-filter
   * consumers) from sequence `from` on, in order, and keeps following new ones until stopped.
   * `onItem` runs synchronously per message, so a fold sees every message exactly once, in order.
   * Pulls are bounded by bytes as well as count, and the read heals itself (see
   * {@link openRead}): a stall, a gap, a reconnect or a lost consumer reopens it after the last
   * message delivered, told once to `onHeal`.
   */
  async tail(
    filter: string,
    from: number,
    onItem: (item: TailItem) => void,
    options: ReadOptions = {},
  ): Promise<Tail> {
    const root = this.subjects.root;
    return openRead(
      this.nc,
      this.jsm,
      this.stream,
      filter,
      { seq: from },
      (m) => {
        onItem({
          subject: m.subject,
          entry: toEntry(m, root),
          ...(m.traceparent === undefined ? {} : { traceparent: m.traceparent }),
        });
      },
      { ...this.readOptions, ...options },
    );
  }
}
