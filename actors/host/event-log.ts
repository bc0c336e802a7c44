import { setTimeout as sleep } from 'node:timers/promises';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  jetstream,
  jetstreamManager,
  JetStreamApiCodes,
  JetStreamApiError,
  DeliverPolicy,
} from '@nats-io/jetstream';
import type { JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import {
  ConflictError,
  decode,
  DEFAULT_ROOT,
  DEFAULT_STREAM,
  encode,
  refusalSubject,
  streamConfig,
  subjects,
  UnavailableError,
} from '../../events/index.ts';
import type { FleetEventInput, LogEntry, Subjects } from '../../events/index.ts';

/** Where Fleet's log lives. */
export interface LogLocation {
  /** JetStream stream name; `FLEET` by default. */
  readonly stream?: string;
  /** Subject root; `fleet` by default. */
  readonly root?: string;
}

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

/** A live read of the log. */
export interface Tail {
  /**
   * Resolves once every message stored when the tail started has been delivered (or the read
   * was stopped); rejects with what `onItem` threw before that.
   */
  readonly caughtUp: Promise<void>;
  /** Stops reading. */
  stop(): Promise<void>;
  /**
   * Resolves when the read ends (after `stop`: a read heals itself otherwise), rejects with what
   * `onItem` threw.
   */
  readonly done: Promise<void>;
}

/** One stored message as a fold sees it, with the subject it was stored on. */
export interface TailItem {
  readonly subject: string;
  readonly entry: LogEntry;
}

const aboutOf = (m: JsMsg, root: string) => {
  const about = refusalSubject(m.subject, m.data, root);
  return about === undefined ? {} : { about };
};

/** Pause before the n-th retry in a row (from 0) of a tail's read: 100 ms doubling to 2 s. */
const retryPause = (n: number): number => Math.min(2_000, 100 * 2 ** n);

const toEntry = (m: JsMsg, root: string): LogEntry => {
  const at = Math.floor(m.info.timestampNanos / 1_000_000);
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

  private constructor(
    readonly nc: NatsConnection,
    readonly jsm: JetStreamManager,
    location: LogLocation,
  ) {
    this.stream = location.stream ?? DEFAULT_STREAM;
    this.subjects = subjects(location.root ?? DEFAULT_ROOT);
    this.#js = jetstream(nc);
  }

  /** Opens the log, creating the stream when it does not exist yet. */
  static async open(nc: NatsConnection, location: LogLocation = {}): Promise<EventLog> {
    const jsm = await jetstreamManager(nc);
    const log = new EventLog(nc, jsm, location);
    const config = streamConfig({ name: log.stream, root: log.subjects.root });
    let info;
    try {
      info = await jsm.streams.info(log.stream);
    } catch (cause) {
      if (!(cause instanceof JetStreamApiError) || cause.code !== JetStreamApiCodes.StreamNotFound)
        throw new UnavailableError(`cannot reach stream ${log.stream}`, { cause });
      await jsm.streams.add(config);
      return log;
    }
    // A stream made by an older version may still be purged: guard it where this user may
    // (the operator's); a service without the right leaves it to `fleet up`.
    if (!info.config.deny_purge || !info.config.deny_delete)
      await jsm.streams
        .update(log.stream, { ...info.config, deny_purge: true, deny_delete: true })
        .catch(() => undefined);
    return log;
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
   *
   * The read heals itself: when no message arrives for `stallCheckMs` (default 5 s) while the
   * server says some are pending for it, or its consumer is gone, it reopens a consumer after
   * the last message delivered. (After a nats-server restart, nats.js's ordered consumer was
   * seen recreated and then silent with messages pending: a fold would have stopped for good.)
   */
  async tail(
    filter: string,
    from: number,
    onItem: (item: TailItem) => void,
    options: { stallCheckMs?: number } = {},
  ): Promise<Tail> {
    const open = async (start: number) => {
      const consumer = await this.#js.consumers.get(this.stream, {
        filter_subjects: filter,
        ...(start > 1
          ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start }
          : { deliver_policy: DeliverPolicy.All }),
      });
      return { consumer, messages: await consumer.consume({ max_messages: 1024 }) };
    };
    let current = await open(from);
    const info = await current.consumer.info(true);
    let markCaughtUp: () => void = () => undefined;
    let failCaughtUp: (error: unknown) => void = () => undefined;
    const caughtUp = new Promise<void>((resolve, reject) => {
      markCaughtUp = resolve;
      failCaughtUp = reject;
    });
    // Whoever awaits it learns of a failure; nobody awaiting it is no unhandled rejection.
    caughtUp.catch(() => undefined);
    if (info.num_pending === 0) markCaughtUp();
    const root = this.subjects.root;
    let next = from;
    let delivered = 0;
    let stopped = false;
    // Read through a call: `stop` changes it between awaits, which narrowing cannot see.
    const isStopped = () => stopped;
    /** What the caller's `onItem` threw: that ends the read, it is not the connection's fault. */
    let itemError: { readonly error: unknown } | undefined;
    let readFailures = 0;
    // Set once the read is running; the read clears it when it ends.
    const timers: { watchdog?: NodeJS.Timeout } = {};

    const reopen = async () => {
      for (let failures = 0; !isStopped(); failures += 1) {
        try {
          const opened = await open(next);
          // Stopped meanwhile: this consumer is nobody's, close it rather than leak it.
          if (isStopped()) await opened.messages.close();
          else current = opened;
          return;
        } catch {
          // JetStream may still be recovering: try again, more slowly, until stopped.
          await sleep(retryPause(failures));
        }
      }
    };
    const done = (async () => {
      try {
        while (!isStopped()) {
          try {
            for await (const m of current.messages) {
              // A reopened consumer may repeat what was delivered: every message once, in order.
              if (m.seq < next) continue;
              next = m.seq + 1;
              delivered += 1;
              readFailures = 0;
              try {
                onItem({ subject: m.subject, entry: toEntry(m, root) });
              } catch (error) {
                itemError = { error };
                throw error;
              }
              if (m.info.pending === 0) markCaughtUp();
            }
          } catch {
            if (itemError !== undefined) throw itemError.error;
            // The read itself failed: heal it like a stall, more slowly each time in a row.
            readFailures += 1;
            if (!isStopped()) await sleep(retryPause(readFailures));
          }
          if (!isStopped()) await reopen();
        }
      } catch (error) {
        failCaughtUp(error);
        throw error;
      } finally {
        clearInterval(timers.watchdog);
        markCaughtUp();
      }
    })();

    let seen = -1;
    const watchdog = setInterval(() => {
      if (delivered !== seen) {
        seen = delivered;
        return;
      }
      const { consumer, messages } = current;
      consumer.info().then(
        (i) => {
          if (i.num_pending > 0 && delivered === seen && current.messages === messages)
            void messages.close();
        },
        () => {
          if (current.messages === messages) void messages.close();
        },
      );
    }, options.stallCheckMs ?? 5_000);
    watchdog.unref();
    timers.watchdog = watchdog;

    return {
      caughtUp,
      done,
      stop: async () => {
        stopped = true;
        clearInterval(watchdog);
        await current.messages.close();
        await done.catch(() => undefined);
      },
    };
  }
}
