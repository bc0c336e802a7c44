import type { LogEntry, Subjects } from '../../events/index.ts';

/** A live read of the log, as `ReadableLog.tail` starts it. */
export interface LogTail {
  /** Resolves once every message stored when the read started has been delivered. */
  readonly caughtUp: Promise<void>;
  /** Resolves when the read ends, rejects with what `onItem` threw. */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * What `readLog` reads: the stream's extent and an ordered live read of it, each message
 * decoded by the codec. The host's `EventLog` is one; the audit names only what it uses so
 * that it depends on the contract alone.
 */
export interface ReadableLog {
  readonly stream: string;
  readonly subjects: Pick<Subjects, 'all'>;
  readonly jsm: {
    readonly streams: {
      info(stream: string): Promise<{
        readonly state: {
          readonly first_seq: number;
          readonly last_seq: number;
          readonly messages: number;
        };
        /** Its limits: `max_age` in ns, `max_bytes` (0 or -1: none). */
        readonly config: { readonly max_age: number; readonly max_bytes: number };
      }>;
    };
  };
  tail(
    filter: string,
    from: number,
    onItem: (item: { readonly subject: string; readonly entry: LogEntry }) => void,
  ): Promise<LogTail>;
}
