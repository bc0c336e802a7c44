/** Number formatting and plain-text tables of the matching micro-benchmark's output. */

export const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Aligned columns under a dashed rule; `right` says which columns are right-aligned. */
export const table = (data: string[][], right: (col: number) => boolean): string => {
  const widths = data[0]?.map((_, c) => Math.max(...data.map((r) => (r[c] ?? '').length))) ?? [];
  const line = (r: string[]) =>
    r
      .map((cell, c) => (right(c) ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0)))
      .join('  ')
      .trimEnd();
  const [head, ...body] = data;
  return [
    head ? line(head) : '',
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
  ].join('\n');
};
