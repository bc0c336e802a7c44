import type { ProjectionsProgress } from '../projections/index.ts';
import type { CliContext } from './cli-context.ts';
import { parseDuration } from './parse-duration.ts';

/** How long a reading command waits to catch up with the log before it fails, by default. */
export const DEFAULT_READ_WAIT = '2m';

/** The help of `--wait`. */
export const READ_WAIT_HELP = 'fail if the log is not read up to its end within this long';

/** One progress line: `catching up: seq 1,200 of 11,203 (10%), 400 seq/s; waiting for …`. */
export const projectionsProgressLine = (p: ProjectionsProgress): string => {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const pct = p.target > 0 ? ` (${Math.floor((100 * p.position) / p.target)}%)` : '';
  return (
    `catching up: seq ${n(p.position)} of ${n(p.target)}${pct}, ${n(p.rate)} seq/s; ` +
    `waiting for ${p.waitingFor}`
  );
};

/**
 * The bounds of a command's read of the projections: progress on stderr while it catches up,
 * and a limit (`--wait`) past which it fails naming what it waited for — never silence.
 */
export const boundedRead = (ctx: CliContext, wait: string, signal?: AbortSignal) => ({
  catchUpLimitMs: parseDuration(wait, '--wait'),
  onProgress: (p: ProjectionsProgress) => {
    ctx.warn(projectionsProgressLine(p));
  },
  ...(signal === undefined ? {} : { signal }),
});
