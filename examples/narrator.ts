import { performance } from 'node:perf_hooks';

/** ANSI styles for the narration; each returns its text unchanged when colour is off. */
export interface Styles {
  readonly bold: (text: string) => string;
  readonly dim: (text: string) => string;
  readonly red: (text: string) => string;
  readonly green: (text: string) => string;
  readonly cyan: (text: string) => string;
}

/** What an example prints as it runs, and the clock of the run it narrates. */
export interface Narrator {
  /** Prints a line as it is. */
  readonly out: (line: string) => void;
  /** Prints a line stamped with the seconds since the run started. */
  readonly step: (line: string) => void;
  /** Milliseconds since the run started (since the narrator was made). */
  readonly elapsed: () => number;
  readonly c: Styles;
  /** A green ✔ when `good`, else a red ✖. */
  readonly mark: (good: boolean) => string;
  /**
   * Prints rows as an indented table, the first row its header: the first column aligned left,
   * the others (numbers) right.
   */
  readonly table: (rows: readonly (readonly string[])[]) => void;
}

/** Narration to `log` (default `console.log`), in ANSI colours when `color`; the clock starts. */
export const narrator = (options: {
  readonly log?: (line: string) => void;
  readonly color?: boolean;
}): Narrator => {
  const out = options.log ?? ((line: string) => console.log(line));
  const on = options.color ?? false;
  const sgr = (code: string) => (text: string) => (on ? `\x1b[${code}m${text}\x1b[0m` : text);
  const c = {
    bold: sgr('1'),
    dim: sgr('2'),
    red: sgr('1;31'),
    green: sgr('1;32'),
    cyan: sgr('36'),
  };
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  return {
    out,
    step: (line) => {
      out(`${c.dim(`[${(elapsed() / 1000).toFixed(2)}s]`.padEnd(8))} ${line}`);
    },
    elapsed,
    c,
    mark: (good) => (good ? c.green('✔') : c.red('✖')),
    table: (rows) => {
      const widths = rows[0]?.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? '').length)));
      const lines = rows.map((r) =>
        r
          .map((cell, col) =>
            col === 0 ? cell.padEnd(widths?.[col] ?? 0) : cell.padStart(widths?.[col] ?? 0),
          )
          .join('  ')
          .trimEnd(),
      );
      out(`  ${c.cyan(lines[0] ?? '')}`);
      for (const line of lines.slice(1)) out(`  ${line}`);
    },
  };
};
