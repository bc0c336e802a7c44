import type { AuditItem } from './audit-item.ts';
import type { ReadableLog } from './readable-log.ts';
import { streamLimitsOf } from '../../events/index.ts';
import type { StreamLimits } from '../../events/index.ts';

/** Where the stream stood when a read started. */
export interface LogExtent {
  readonly firstSeq: number;
  readonly lastSeq: number;
  /** Messages stored (in the whole stream, whatever the filter). */
  readonly messages: number;
  /** The stream's age and size limits in force (none when it keeps everything). */
  readonly limits?: StreamLimits;
}

/** Options of {@link readLog}. */
export interface ReadLogOptions {
  /** One subject filter (`subjects.all()`, `subjects.project(p)`); the whole stream by default. */
  readonly filter?: string;
  /** Keep delivering messages stored after the read started, until `stop` settles. */
  readonly follow?: boolean;
  /** Ends the read early (and a followed read at all). */
  readonly stop?: Promise<unknown>;
  /** Told where the stream stood, before the first message. */
  readonly onStart?: (extent: LogExtent) => void;
}

/** What a read delivered. */
export interface ReadLogResult {
  /** Messages delivered to `onItem`. */
  readonly read: number;
  /** The stream's last sequence when the read started. */
  readonly lastSeq: number;
}

/**
 * Reads the log in order with an ordered consumer (no server-side state left behind), each
 * message decoded by the codec, from the first message to the last one stored when the read
 * starts — or on and on with `follow`. `onItem` runs synchronously per message; returning
 * `false` ends the read.
 */
export const readLog = async (
  log: ReadableLog,
  onItem: (item: AuditItem) => boolean | undefined,
  options: ReadLogOptions = {},
): Promise<ReadLogResult> => {
  const follow = options.follow === true;
  const { state, config } = await log.jsm.streams.info(log.stream);
  const last = state.last_seq;
  options.onStart?.({
    firstSeq: state.first_seq,
    lastSeq: last,
    messages: state.messages,
    limits: streamLimitsOf(config),
  });
  if (!follow && state.messages === 0) return { read: 0, lastSeq: last };
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  let ended = false;
  let read = 0;
  const end = () => {
    ended = true;
    finish();
  };
  const tail = await log.tail(options.filter ?? log.subjects.all(), 1, ({ subject, entry }) => {
    if (ended) return;
    if (!follow && entry.seq > last) {
      end();
      return;
    }
    read += 1;
    const more = onItem({ subject, seq: entry.seq, at: entry.at, entry });
    if (more === false || (!follow && entry.seq >= last)) end();
  });
  try {
    // Without `follow`, a filtered read may end below the stream's last sequence: the consumer
    // says when nothing matching is pending.
    await Promise.race([
      finished,
      tail.done,
      ...(follow ? [] : [tail.caughtUp]),
      ...(options.stop === undefined ? [] : [options.stop]),
    ]);
  } finally {
    ended = true;
    await tail.stop();
  }
  return { read, lastSeq: last };
};
