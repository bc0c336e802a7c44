// @ts-check
// The workers panel: one tile per worker, grouped by project and pool, with a legend of the
// statuses and a tooltip on hover.
/* exported renderLegend, renderTiles, onTileHover, hideTooltip */

const STATUS_ORDER = ['busy', 'idle', 'draining', 'lost', 'revoked', 'left'];
const RUNTIME_MARK = { process: 'pr', docker: 'dk', kubernetes: 'k8', lambda: 'λ' };
/** The runtimes as people name them. */
const RUNTIME_NAME = {
  process: 'local process',
  docker: 'Docker',
  kubernetes: 'Kubernetes',
  lambda: 'AWS Lambda',
};
/** @param {unknown} runtime */
const runtimeName = (runtime) =>
  RUNTIME_NAME[/** @type {keyof typeof RUNTIME_NAME} */ (String(runtime))] ?? String(runtime);

/**
 * The worker whose tooltip shows, kept across renders so the tooltip follows its data.
 * @type {string | null}
 */
let hovered = null;

/**
 * Tile elements by worker id, reused across renders so hover and transitions survive.
 * @type {Map<string, HTMLElement>}
 */
const tiles = new Map();

/** @param {any} w */
const tileFor = (w) => {
  let el = tiles.get(w.workerId);
  if (el === undefined) {
    el = h('div', 'tile', h('span', 'rt'), h('span', 'n'), h('span', 'load', h('i')));
    el.dataset.worker = w.workerId;
    el.tabIndex = 0;
    tiles.set(w.workerId, el);
  }
  el.dataset.status = String(w.status);
  el.setAttribute(
    'aria-label',
    `${w.workerId}: ${w.status}, ${w.project}/${w.pool}, ${list(w.models).join(', ')}`,
  );
  // The three children tileFor built above.
  const [rt, n, load] = /** @type {[Element, Element, Element]} */ ([...el.children]);
  const bar = /** @type {HTMLElement} */ (load.firstChild);
  rt.textContent = RUNTIME_MARK[/** @type {keyof typeof RUNTIME_MARK} */ (w.runtime)] ?? '?';
  rt.setAttribute('title', runtimeName(w.runtime));
  const working = w.status === 'busy' || w.status === 'idle' || w.status === 'draining';
  n.textContent = working ? `${num(w.held)}/${num(w.capacity)}` : '';
  bar.style.width = `${Math.min(100, Math.round(num(w.load) * 100))}%`;
  // The latest progress of what it runs, for the tooltip and for whoever reads the tile.
  const progress = list(w.progress).map(progressLine).join('; ');
  if (progress === '') delete el.dataset.progress;
  else el.dataset.progress = progress;
  return el;
};

/**
 * One attempt's latest progress in words: `t1 3/10 (30%): page 3`.
 * @param {unknown} raw
 */
const progressLine = (raw) => {
  const p = obj(raw);
  const done = maybeNum(p.done);
  const total = maybeNum(p.total);
  const amount =
    done === null
      ? ''
      : total === null || total <= 0
        ? ` ${num(done)}`
        : ` ${num(done)}/${num(total)} (${Math.floor((100 * Math.min(done, total)) / total)}%)`;
  const message = typeof p.message === 'string' ? `: ${p.message}` : '';
  return `${String(p.taskId)}${amount}${message}`;
};

/** The status colours, each with how many workers have it. */
const renderLegend = () => {
  const counts = workerTotals();
  byId('legend').replaceChildren(
    ...STATUS_ORDER.map((status) => {
      const sw = h('span', 'swatch', status, h('b', '', int(num(counts[status]))));
      sw.style.setProperty('--c', `var(--${status})`);
      return sw;
    }),
  );
};

const renderTiles = () => {
  const workers = list(fleet().workers);
  const seen = new Set();
  /** @type {Map<string, Map<string, any[]>>} */
  const byProject = new Map();
  for (const w of workers) {
    seen.add(w.workerId);
    const pools = byProject.get(w.project) ?? new Map();
    byProject.set(w.project, pools);
    const ws = pools.get(w.pool) ?? [];
    pools.set(w.pool, ws);
    ws.push(w);
  }
  for (const id of tiles.keys()) if (!seen.has(id)) tiles.delete(id);
  const container = byId('tiles');
  if (workers.length === 0) {
    container.replaceChildren(h('div', 'empty', 'no workers enrolled yet'));
    return;
  }
  const groups = [...byProject.entries()].sort(([a], [b]) => a.localeCompare(b));
  // Big tiles for a small fleet, small ones for a large fleet: the panel holds them all.
  const size = workers.length <= 48 ? 'l' : workers.length <= 160 ? 'm' : 's';
  container.dataset.size = size;
  container.replaceChildren(
    ...groups.map(([project, pools]) => {
      const all = [...pools.values()].flat();
      const active = all.filter((w) => w.status === 'busy' || w.status === 'idle').length;
      return h(
        'div',
        'project',
        h('div', 'project-name', project, h('span', 'count', `${active} active / ${all.length}`)),
        ...[...pools.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([pool, ws]) =>
            h(
              'div',
              'pool-row',
              h('div', 'pool-label', pool),
              h('div', 'pool-tiles', ...ws.map(tileFor)),
            ),
          ),
      );
    }),
  );
  if (hovered !== null) showTooltipFor(hovered);
};

const tooltip = () => byId('tooltip');

/** @param {string} id */
const showTooltipFor = (id) => {
  const w = list(fleet().workers).find((x) => x.workerId === id);
  if (w === undefined) {
    tooltip().hidden = true;
    return;
  }
  const labels = Object.entries(obj(w.labels))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  /** @type {[string, string][]} */
  const rows = [
    ['status', String(w.status)],
    ['project', String(w.project)],
    ['pool', String(w.pool)],
    ['models', list(w.models).join(', ') || 'any'],
    ['runtime', runtimeName(w.runtime)],
    ['load', `${num(w.held)} / ${num(w.capacity)}`],
    ['last seen', ago(maybeNum(w.lastSeenAt))],
  ];
  if (labels !== '') rows.push(['labels', labels]);
  for (const p of list(w.progress)) rows.push(['progress', progressLine(p)]);
  tooltip().replaceChildren(
    h('div', 't-id', String(w.workerId)),
    h('dl', '', ...rows.flatMap(([k, v]) => [h('dt', '', k), h('dd', '', v)])),
  );
  tooltip().hidden = false;
};

const hideTooltip = () => {
  hovered = null;
  tooltip().hidden = true;
};

/** @param {MouseEvent} e */
const onTileHover = (e) => {
  const target = /** @type {Element | null} */ (e.target);
  const tile = target?.closest?.('.tile');
  const id = tile instanceof HTMLElement ? (tile.dataset.worker ?? null) : null;
  if (id === null) {
    hideTooltip();
    return;
  }
  if (id !== hovered) {
    hovered = id;
    showTooltipFor(id);
  }
  const tip = tooltip();
  const x = Math.min(e.clientX + 14, window.innerWidth - tip.offsetWidth - 8);
  const y = Math.min(e.clientY + 14, window.innerHeight - tip.offsetHeight - 8);
  tip.style.left = `${Math.max(8, x)}px`;
  tip.style.top = `${Math.max(8, y)}px`;
};
