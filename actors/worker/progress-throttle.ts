import { InvalidInputError, ProgressLimits } from '../../events/index.ts';

/** What a handler reports of its progress (`TaskContext.progress`). */
export interface ProgressUpdate {
  /** Units done so far (of the handler's own choosing), 0 or more. */
  readonly done?: number;
  /** Units in all, over 0. */
  readonly total?: number;
  /** A short line; longer than `ProgressLimits.maxMessage` characters, it is cut. */
  readonly message?: string;
  /** Partial output: text appended to what the attempt streamed so far. */
  readonly output?: string;
}

/** One progress report as it goes out: the latest values and the output pending since the last. */
export type ProgressSend = Omit<ProgressUpdate, 'output'> & { readonly output?: string };

/** Most partial output held between two sends; beyond it the oldest pending text is dropped. */
export const MAX_PENDING_OUTPUT = 64 * 1024;

const check = (u: ProgressUpdate): void => {
  const bad = (field: string, why: string) => {
    throw new InvalidInputError(field, `invalid progress: ${field}: ${why}`);
  };
  if (u.done !== undefined && !(Number.isFinite(u.done) && u.done >= 0))
    bad('done', 'must be a finite number, 0 or more');
  if (u.total !== undefined && !(Number.isFinite(u.total) && u.total > 0))
    bad('total', 'must be a finite number over 0');
  if (u.message !== undefined && typeof u.message !== 'string') bad('message', 'must be text');
  if (u.output !== undefined && typeof u.output !== 'string') bad('output', 'must be text');
};

/**
 * A handler's progress reports, throttled: the first goes out at once, later ones within
 * `intervalMs` of the last send wait and go out together at its end, the latest values winning
 * and partial output concatenated (at most `ProgressLimits.maxOutput` characters a send; the
 * rest follows at the next). A chatty handler thus costs the stream one message per interval.
 */
export class ProgressThrottle {
  readonly #send: (p: ProgressSend) => void;
  readonly #intervalMs: number;
  #latest: Omit<ProgressUpdate, 'output'> | undefined;
  #output = '';
  #dropped = 0;
  #lastSent = -Infinity;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(send: (p: ProgressSend) => void, intervalMs: number = ProgressLimits.sdkIntervalMs) {
    this.#send = send;
    this.#intervalMs = intervalMs;
  }

  /** Takes an update; throws `InvalidInputError` for values the contract would refuse. */
  report(u: ProgressUpdate): void {
    check(u);
    if (this.#closed) return;
    const { output, ...values } = u;
    const message = values.message?.slice(0, ProgressLimits.maxMessage);
    this.#latest = { ...this.#latest, ...values, ...(message === undefined ? {} : { message }) };
    if (output !== undefined && output !== '') {
      this.#output += output;
      const excess = this.#output.length - MAX_PENDING_OUTPUT;
      if (excess > 0) {
        this.#output = this.#output.slice(excess);
        this.#dropped += excess;
      }
    }
    this.#schedule();
  }

  /** Sends what is pending now (the handler returned), and takes nothing more. */
  flush(): void {
    this.#close();
    while (this.#pending()) this.#sendNow();
  }

  /** Drops what is pending (the attempt was taken away), and takes nothing more. */
  discard(): void {
    this.#close();
    this.#latest = undefined;
    this.#output = '';
  }

  #close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #pending(): boolean {
    return this.#latest !== undefined || this.#output !== '';
  }

  #schedule(): void {
    if (this.#timer !== undefined) return;
    const wait = this.#lastSent + this.#intervalMs - Date.now();
    if (wait <= 0) {
      this.#sendNow();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#closed) return;
      this.#sendNow();
      // More output than one send carries: the rest at the next interval.
      if (this.#pending()) this.#schedule();
    }, wait);
  }

  #sendNow(): void {
    const note = this.#dropped > 0 ? `[… ${this.#dropped} characters dropped]` : '';
    const text = note + this.#output;
    const output = text.slice(0, ProgressLimits.maxOutput);
    this.#output = text.slice(output.length);
    this.#dropped = 0;
    const latest = this.#latest ?? {};
    this.#latest = undefined;
    this.#lastSent = Date.now();
    this.#send({ ...latest, ...(output === '' ? {} : { output }) });
  }
}
