// @ts-check
// The throughput and latency charts: SVG drawn from the page's samples.
/* exported renderCharts */

const COLORS = {
  accent: '#5cc8ff',
  good: '#3ddc97',
  warn: '#ffb547',
  bad: '#ff5d6c',
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

/**
 * Draws time series into an SVG sized by its box.
 * @param {SVGSVGElement} el
 * @param {{ name: string; color: string; points: [number, number][]; area?: boolean }[]} series
 * @param {(v: number) => string} format
 */
const chart = (el, series, format) => {
  const width = Math.max(120, el.clientWidth);
  const height = Math.max(80, el.clientHeight);
  el.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const pad = { left: 52, right: 10, top: 10, bottom: 20 };
  const now = Date.now();
  const spanS = span();
  const x0 = now - spanS * 1000;
  const all = series.flatMap((s) => s.points.map((p) => p[1]));
  const { step, top } = axisSteps(Math.max(...all, 0));
  const x = (/** @type {number} */ t) =>
    pad.left + ((t - x0) / (now - x0)) * (width - pad.left - pad.right);
  const y = (/** @type {number} */ v) => pad.top + (1 - v / top) * (height - pad.top - pad.bottom);
  const axis = svg('g', { class: 'axis' });
  for (let k = 0; k * step <= top + 1e-9; k += 1) {
    const v = k * step;
    axis.append(
      svg('line', { x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v) }),
      svg('text', { x: pad.left - 6, y: y(v) + 3, 'text-anchor': 'end' }, format(v)),
    );
  }
  const every = spanS <= 40 ? 10 : spanS <= 90 ? 30 : 60;
  for (let s = 0; s <= spanS; s += every) {
    const t = now - s * 1000;
    const label = s === 0 ? 'now' : s < 60 || s % 60 !== 0 ? `-${s}s` : `-${s / 60}m`;
    axis.append(
      svg('text', { x: x(t), y: height - 5, 'text-anchor': s === 0 ? 'end' : 'middle' }, label),
    );
  }
  const layers = [axis];
  for (const s of series) {
    const pts = s.points.filter((p) => p[0] >= x0);
    const first = pts[0];
    const last = pts.at(-1);
    if (first === undefined || last === undefined) continue;
    const d = pts
      .map((p, k) => `${k === 0 ? 'M' : 'L'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`)
      .join('');
    if (s.area === true) {
      layers.push(
        svg('path', {
          class: 'area',
          fill: s.color,
          d: `${d}L${x(last[0]).toFixed(1)},${y(0)}L${x(first[0]).toFixed(1)},${y(0)}Z`,
        }),
      );
    }
    layers.push(svg('path', { class: 'series', stroke: s.color, d }));
    layers.push(svg('circle', { cx: x(last[0]), cy: y(last[1]), r: 2.5, fill: s.color }));
  }
  el.replaceChildren(...layers);
};

/** @param {string} id @param {{ name: string; color: string }[]} keys */
const renderKeys = (id, keys) => {
  const el = byId(id);
  if (el.childElementCount === keys.length) return;
  el.replaceChildren(
    ...keys.map((k) => {
      const sw = h('span', 'swatch line', k.name);
      sw.style.setProperty('--c', k.color);
      return sw;
    }),
  );
};

/** @param {string} id */
const svgById = (id) => /** @type {SVGSVGElement} */ (/** @type {unknown} */ (byId(id)));

const renderCharts = () => {
  chart(
    svgById('chart-throughput'),
    [{ name: 'completed/s', color: COLORS.good, points: perSecondSeries(), area: true }],
    (v) => (v >= 10 ? compact(v) : v.toFixed(v === 0 ? 0 : 1)),
  );
  renderKeys('keys-latency', [
    { name: 'wait p50', color: COLORS.accent },
    { name: 'wait p99', color: COLORS.warn },
    { name: 'run p50', color: COLORS.violet },
  ]);
  /** @param {'waitP50' | 'waitP99' | 'runP50'} q @returns {[number, number][]} */
  const points = (q) =>
    samples.flatMap((s) => {
      const v = s[q];
      return v === null ? [] : [/** @type {[number, number]} */ ([s.t, v])];
    });
  chart(
    svgById('chart-latency'),
    [
      { name: 'run p50', color: COLORS.violet, points: points('runP50') },
      { name: 'wait p50', color: COLORS.accent, points: points('waitP50') },
      { name: 'wait p99', color: COLORS.warn, points: points('waitP99') },
    ],
    (v) => duration(v),
  );
};
