/** Lays rows out in aligned columns under a header, two spaces apart. */
export const formatTable = (
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string[] => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
};

/** Labels as `k=v,k=v`, or `-` when none. */
export const formatLabels = (labels: Readonly<Record<string, unknown>>): string => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}=${String(v)}`);
  return parts.length === 0 ? '-' : parts.join(',');
};

/** A list as `a,b`, or `fallback` when empty. */
export const formatList = (items: readonly string[], fallback = '-'): string =>
  items.length === 0 ? fallback : items.join(',');
