// @ts-check
/// <reference types="uplot" />
// The throughput and latency charts: uPlot (inlined before these scripts, hud/page-assets.ts)
// drawing the page's samples on a canvas, with the newest values in the legend.
/* exported renderCharts */

const COLORS = {
  good: '#3ddc97',
  accent: '#5cc8ff',
  warn: '#ffb547',
  violet: '#b48cff',
};

/**
 * A round step for an axis whose values go up to `v`, and the top it gives (≤ 5 steps).
 * @param {number} v
 */
const axisSteps = (v) => {
  if (v <= 0) return { step: 0.25, top: 1 };
  const raw = v / 4;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => raw <= m * p) ?? 10) * p;
  return { step, top: step * Math.max(1, Math.ceil(v / step - 1e-9)) };
};

/** The time axis, in seconds: the window ends now and spans `span()`. */
const xWindow = () => {
  const now = Date.now() / 1000;
  return { min: now - span(), max: now };
};

/** @param {number} v a value of the time axis, in seconds */
const xLabel = (v) => {
  const s = Math.round(Date.now() / 1000 - v);
  if (s <= 0) return 'now';
  return s < 60 || s % 60 !== 0 ? `-${s}s` : `-${s / 60}m`;
};

/**
 * A chart of time series in `host`, its legend mounted in `keys`. The value axis starts at 0 and
 * ends at a round top; the time axis is labelled in seconds before now.
 * @param {HTMLElement} host
 * @param {HTMLElement} keys
 * @param {{ label: string; color: string; area?: boolean }[]} series
 * @param {(v: number) => string} format
 */
const makeChart = (host, keys, series, format) => {
  const style = getComputedStyle(document.documentElement);
  const faint = style.getPropertyValue('--faint').trim();
  const grid = style.getPropertyValue('--grid').trim();
  const font = `10px ${style.getPropertyValue('--mono').trim()}`;
  const axis = {
    stroke: faint,
    font,
    grid: { stroke: grid, width: 1 },
    ticks: { show: false },
  };
  return new uPlot(
    {
      width: Math.max(120, host.clientWidth),
      height: Math.max(80, host.clientHeight),
      padding: [10, 10, 0, 0],
      cursor: { drag: { x: false, y: false } },
      legend: {
        mount: (_u, el) => {
          keys.replaceChildren(el);
        },
      },
      scales: {
        x: {
          time: false,
          range: () => {
            const w = xWindow();
            return [w.min, w.max];
          },
        },
        y: { range: (_u, _min, max) => [0, axisSteps(max).top] },
      },
      axes: [
        {
          ...axis,
          size: 20,
          grid: { show: false },
          // Every 10, 30 or 60 s back from now, by the span shown.
          splits: () => {
            const w = xWindow();
            const spanS = w.max - w.min;
            const every = spanS <= 40 ? 10 : spanS <= 90 ? 30 : 60;
            const out = [];
            for (let s = 0; s <= spanS; s += every) out.unshift(w.max - s);
            return out;
          },
          values: (_u, splits) => splits.map(xLabel),
        },
        {
          ...axis,
          size: 52,
          splits: (u) => {
            const max = u.scales['y']?.max ?? 1;
            const { step, top } = axisSteps(max);
            const out = [];
            for (let k = 0; k * step <= top + 1e-9; k += 1) out.push(k * step);
            return out;
          },
          values: (_u, splits) => splits.map(format),
        },
      ],
      series: [
        { label: 'at', value: (_u, v) => (v === null ? '–' : clock(v * 1000)) },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 1.8,
          spanGaps: true,
          points: { show: false },
          value: (/** @type {uPlot} */ _u, /** @type {number | null} */ v) =>
            v === null ? '–' : format(v),
          ...(s.area === true ? { fill: `${s.color}24` } : {}),
        })),
      ],
    },
    [[], ...series.map(() => [])],
    host,
  );
};

/**
 * The page's charts, made on first render. Each is also kept on its host element as `chart`,
 * so that what it holds can be read from the page (by a test, or from the console).
 * @type {{ throughput: uPlot; latency: uPlot } | null}
 */
let charts = null;

/** @param {uPlot} u @param {uPlot.AlignedData} data */
const showData = (u, data) => {
  const host = /** @type {HTMLElement} */ (u.root.parentElement);
  const width = Math.max(120, host.clientWidth);
  const height = Math.max(80, host.clientHeight);
  if (u.width !== width || u.height !== height) u.setSize({ width, height });
  u.setData(data);
  // Away from the cursor, the legend tells the newest values.
  const last = data[0].length - 1;
  if (last >= 0 && u.cursor.left !== undefined && u.cursor.left < 0) u.setLegend({ idx: last });
};

const renderCharts = () => {
  if (charts === null) {
    const throughput = makeChart(
      byId('chart-throughput'),
      byId('keys-throughput'),
      [{ label: 'completed/s', color: COLORS.good, area: true }],
      (v) => (v >= 10 ? compact(v) : v.toFixed(v === 0 ? 0 : 1)),
    );
    const latency = makeChart(
      byId('chart-latency'),
      byId('keys-latency'),
      [
        { label: 'wait p50', color: COLORS.accent },
        { label: 'wait p99', color: COLORS.warn },
        { label: 'run p50', color: COLORS.violet },
      ],
      (v) => duration(v),
    );
    Object.assign(byId('chart-throughput'), { chart: throughput });
    Object.assign(byId('chart-latency'), { chart: latency });
    charts = { throughput, latency };
  }
  const from = xWindow().min * 1000;
  const perSecond = perSecondSeries().filter((p) => p[0] >= from);
  showData(charts.throughput, [perSecond.map((p) => p[0] / 1000), perSecond.map((p) => p[1])]);
  const recent = samples.filter((s) => s.t >= from);
  showData(charts.latency, [
    recent.map((s) => s.t / 1000),
    recent.map((s) => s.waitP50),
    recent.map((s) => s.waitP99),
    recent.map((s) => s.runP50),
  ]);
};
