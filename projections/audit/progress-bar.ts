import { performance } from 'node:perf_hooks';

/** A progress line on a terminal stream, redrawn in place. */
export interface ProgressBar {
  /** Records progress up to `seq`; redraws at most every `everyMs`. */
  update(seq: number): void;
  /** Erases the line. */
  done(): void;
}

/** Options of {@link progressBar}. */
export interface ProgressBarOptions {
  /** Sequence range being read. */
  readonly firstSeq: number;
  readonly lastSeq: number;
  /** Word before the bar, e.g. `audit`. */
  readonly label: string;
  /** Least time between redraws; 200 ms by default. */
  readonly everyMs?: number;
}

const WIDTH = 30;

/**
 * A throttled progress bar written with carriage returns (for standard error), measured by
 * stream sequence so a filtered read still moves smoothly from first to last.
 */
export const progressBar = (
  write: (text: string) => void,
  options: ProgressBarOptions,
): ProgressBar => {
  const { firstSeq, lastSeq, label } = options;
  const span = Math.max(1, lastSeq - firstSeq + 1);
  const everyMs = options.everyMs ?? 200;
  let lastDraw = -Infinity;
  let calls = 0;
  let drawn = 0;
  const draw = (seq: number) => {
    const done = Math.min(span, Math.max(0, seq - firstSeq + 1));
    const filled = Math.round((done / span) * WIDTH);
    const line =
      `${label} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ` +
      `${String(Math.floor((done / span) * 100)).padStart(3)}%  ` +
      `${done.toLocaleString('en-US')} / ${span.toLocaleString('en-US')} messages`;
    write(`\r${line.padEnd(drawn)}`);
    drawn = line.length;
  };
  return {
    update: (seq) => {
      // Reading the clock on every message would cost more than the bar is worth.
      calls += 1;
      if ((calls & 255) !== 0 && seq < lastSeq) return;
      const now = performance.now();
      if (now - lastDraw < everyMs && seq < lastSeq) return;
      lastDraw = now;
      draw(seq);
    },
    done: () => {
      if (drawn > 0) write(`\r${' '.repeat(drawn)}\r`);
      drawn = 0;
    },
  };
};
