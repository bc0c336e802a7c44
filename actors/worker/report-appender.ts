import { MAX_BATCH, MAX_MESSAGE_BYTES } from '../../events/index.ts';
import type { FleetEvent } from '../../events/index.ts';
import { UNTRACED } from '../../telemetry/trace-context.ts';

/**
 * Appends one message (one event, or a batch) with one trace context per event (`-` for
 * none), and resolves with its stream sequence.
 */
export type AppendMessage = (
  events: readonly FleetEvent[],
  traceparents: readonly string[],
) => Promise<number>;

/** Options of a {@link ReportAppender}. */
export interface ReportAppenderOptions {
  /** Most events in one message (the contract allows 1,000). */
  readonly maxEvents?: number;
  /** Preferred most encoded bytes in one message (default 512 KiB, under the 1 MiB limit). */
  readonly maxBytes?: number;
  /**
   * The largest message the server and the codec take (default, and never above, the codec's):
   * a group never exceeds it, a lone event that does not fit goes alone.
   */
  readonly messageBytes?: number;
}

/** Bytes of `{"batch":[` and `]}` around the events of a batch, which commas separate. */
const BATCH_WRAP_BYTES = '{"batch":[]}'.length;

interface Pending {
  readonly event: FleetEvent;
  readonly traceparent: string;
  readonly bytes: number;
  readonly resolve: (seq: number) => void;
  readonly reject: (error: unknown) => void;
}

const encoder = new TextEncoder();

/**
 * A worker's appends to its own report subject, group-committed: the events of one event-loop
 * turn go out together on the next turn, and while one message is being stored, the events
 * that arrive meanwhile wait and then go together as the next. A lone report waits one turn at
 * most; a busy worker stores many reports per acknowledgement instead of paying one round trip
 * each. Events keep their order, so a
 * `worker.left` never lands before the reports that precede it. A batch is all-or-nothing on
 * the wire, so each event's promise settles with its message: the sequence, or the error.
 */
export class ReportAppender {
  readonly #appendMessage: AppendMessage;
  readonly #maxEvents: number;
  readonly #maxBytes: number;
  #queue: Pending[] = [];
  #busy = false;
  #messages = 0;

  constructor(appendMessage: AppendMessage, options: ReportAppenderOptions = {}) {
    this.#appendMessage = appendMessage;
    this.#maxEvents = Math.min(options.maxEvents ?? MAX_BATCH, MAX_BATCH);
    const limit = Math.min(options.messageBytes ?? MAX_MESSAGE_BYTES, MAX_MESSAGE_BYTES);
    this.#maxBytes = Math.min(options.maxBytes ?? 512 * 1024, limit);
  }

  /** Queues `event`; resolves with the sequence of the message that stored it. */
  append(event: FleetEvent, traceparent: string = UNTRACED): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const bytes = encoder.encode(JSON.stringify(event)).length;
      this.#queue.push({ event, traceparent, bytes, resolve, reject });
      if (!this.#busy) {
        // Busy from now: the rest of this turn's events join this one's message.
        this.#busy = true;
        setImmediate(() => void this.#drain());
      }
    });
  }

  /** Messages stored so far (for tests and statistics). */
  get messages(): number {
    return this.#messages;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const group = this.#take();
        try {
          const seq = await this.#appendMessage(
            group.map((p) => p.event),
            group.map((p) => p.traceparent),
          );
          this.#messages += 1;
          for (const p of group) p.resolve(seq);
        } catch (error) {
          for (const p of group) p.reject(error);
        }
      }
    } finally {
      this.#busy = false;
    }
  }

  /**
   * The next group: as many queued events as fit one message, counted as `encode` writes it (a
   * lone event bare, several in a batch), and always at least one.
   */
  #take(): Pending[] {
    let bytes = 0;
    let n = 0;
    for (const p of this.#queue) {
      // The batch these n events and `p` would make: the wrapper, the events, n commas.
      const batch = BATCH_WRAP_BYTES + bytes + p.bytes + n;
      if (n > 0 && (n >= this.#maxEvents || batch > this.#maxBytes)) break;
      bytes += p.bytes;
      n += 1;
    }
    return this.#queue.splice(0, n);
  }
}
