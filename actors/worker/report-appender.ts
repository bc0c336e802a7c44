import { MAX_BATCH } from '../../events/index.ts';
import type { FleetEvent } from '../../events/index.ts';

/** Appends one message (one event, or a batch) and resolves with its stream sequence. */
export type AppendMessage = (events: readonly FleetEvent[]) => Promise<number>;

/** Options of a {@link ReportAppender}. */
export interface ReportAppenderOptions {
  /** Most events in one message (the contract allows 1,000). */
  readonly maxEvents?: number;
  /** Most encoded bytes in one message, well under the 1 MiB a message may carry. */
  readonly maxBytes?: number;
}

interface Pending {
  readonly event: FleetEvent;
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
    this.#maxBytes = options.maxBytes ?? 512 * 1024;
  }

  /** Queues `event`; resolves with the sequence of the message that stored it. */
  append(event: FleetEvent): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const bytes = encoder.encode(JSON.stringify(event)).length;
      this.#queue.push({ event, bytes, resolve, reject });
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
          const seq = await this.#appendMessage(group.map((p) => p.event));
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

  /** The next group: as many queued events as fit one message (always at least one). */
  #take(): Pending[] {
    let bytes = 0;
    let n = 0;
    for (const p of this.#queue) {
      if (n > 0 && (n >= this.#maxEvents || bytes + p.bytes > this.#maxBytes)) break;
      bytes += p.bytes;
      n += 1;
    }
    return this.#queue.splice(0, n);
  }
}
