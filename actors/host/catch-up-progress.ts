/** How far an actor's fold is while it catches up with the log. */
export interface CatchUpProgress {
  readonly actor: string;
  /** Last stream sequence folded. */
  readonly position: number;
  /** The stream's last sequence when the catch-up started. */
  readonly target: number;
  /** Stream sequences folded per second since the previous report. */
  readonly rate: number;
}

/**
 * Tells `tell` every `everyMs` how far `position()` has come towards `target`, until the
 * returned function is called: an operator never stares at a silent process.
 */
export const watchProgress = (
  actor: string,
  target: number,
  position: () => number,
  everyMs: number,
  tell: (progress: CatchUpProgress) => void,
): (() => void) => {
  let from = position();
  let since = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const at = position();
    const rate = ((at - from) * 1000) / Math.max(1, now - since);
    from = at;
    since = now;
    tell({ actor, position: at, target, rate });
  }, everyMs);
  timer.unref();
  return () => {
    clearInterval(timer);
  };
};

/** One line for an operator: `dispatcher.gpu catching up: seq 120,000 of 1,000,000 (12%), 45,000/s`. */
export const progressLine = (p: CatchUpProgress): string => {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const pct = p.target > 0 ? ` (${Math.floor((100 * p.position) / p.target)}%)` : '';
  return `${p.actor} catching up: seq ${n(p.position)} of ${n(p.target)}${pct}, ${n(p.rate)} seq/s`;
};
