// Fleet HUD: renders the projections' snapshots streamed over Server-Sent Events. Plain
// browser JavaScript without dependencies; every value from the stream is written as text
// (textContent, SVG attributes), never as HTML, since labels and details come from workers.
'use strict';

(() => {
  const token = new URLSearchParams(window.location.search).get('token') ?? '';
  const SVG_NS = 'http://www.w3.org/2000/svg';
  /** Seconds of history kept for the charts. */
  const WINDOW_S = 180;
  /** The charts' span grows with the history the page has, from this much to `WINDOW_S`. */
  const MIN_SPAN_S = 30;
  const STATUS_ORDER = ['busy', 'idle', 'draining', 'lost', 'revoked', 'left'];
  const RUNTIME_MARK = { process: 'pr', docker: 'dk', kubernetes: 'k8', lambda: 'λ' };
  const COLORS = {
    accent: '#5cc8ff',
    good: '#3ddc97',
    warn: '#ffb547',
    bad: '#ff5d6c',
    violet: '#b48cff',
  };

  /** @type {any} */
  let snapshot = null;
  /**
   * What the page keeps of each snapshot for its charts: counts, cumulative latency buckets,
   * and the latency quantiles of the few seconds before it.
   * @typedef {{ t: number; completed: number; wait: Map<number, number>; run: Map<number, number>;
   *   waitP50: number | null; waitP99: number | null; runP50: number | null; runP99: number | null }} Sample
   */
  /** @type {Sample[]} */
  const samples = [];
  /** Latency quantiles on the charts cover this much time before each point. */
  const LATENCY_WINDOW_MS = 5_000;
  /** @type {string | null} */
  let hovered = null;
  let lastEventAt = 0;

  // ---- small helpers ----------------------------------------------------------------------

  /** @param {string} id */
  const byId = (id) => {
    const el = document.getElementById(id);
    if (el === null) throw new Error(`missing #${id}`);
    return el;
  };

  /**
   * An element with a class and children (strings become text nodes).
   * @param {string} tag
   * @param {string} [className]
   * @param {...(Node | string | null | undefined)} children
   */
  const h = (tag, className, ...children) => {
    const el = document.createElement(tag);
    if (className) el.className = className;
    for (const c of children) if (c !== null && c !== undefined) el.append(c);
    return el;
  };

  /**
   * An SVG element with attributes.
   * @param {string} tag
   * @param {Record<string, string | number>} [attrs]
   * @param {...(Node | string)} children
   */
  const svg = (tag, attrs = {}, ...children) => {
    const el = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    for (const c of children) el.append(c);
    return el;
  };

  /** @param {unknown} v */
  const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  /** @param {unknown} v */
  const maybeNum = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  /** @param {unknown} v @returns {any[]} */
  const list = (v) => (Array.isArray(v) ? v : []);
  /** @param {unknown} v @returns {Record<string, any>} */
  const obj = (v) => (typeof v === 'object' && v !== null ? /** @type {any} */ (v) : {});

  /** @param {number} n */
  const int = (n) => Math.round(n).toLocaleString('en-US');
  /** @param {number} n */
  const compact = (n) => {
    const a = Math.abs(n);
    if (a >= 1e6) return `${(n / 1e6).toFixed(a >= 1e7 ? 0 : 1)}M`;
    if (a >= 1e4) return `${(n / 1e3).toFixed(a >= 1e5 ? 0 : 1)}k`;
    return int(n);
  };
  /** @param {number | null} ms */
  const duration = (ms) => {
    if (ms === null) return '–';
    if (ms === 0) return '0';
    if (ms < 1) return `${ms.toFixed(2)} ms`;
    if (ms < 10) return `${ms.toFixed(1)} ms`;
    if (ms < 1000) return `${Math.round(ms)} ms`;
    if (ms < 10_000) return `${(ms / 1000).toFixed(2)} s`;
    if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
    if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m ${Math.round((ms % 60_000) / 1000)}s`;
    return `${Math.floor(ms / 3_600_000)}h ${Math.round((ms % 3_600_000) / 60_000)}m`;
  };
  /** @param {number} usd */
  const money = (usd) => {
    if (usd === 0) return '$0';
    if (usd < 0.01) return `$${usd.toFixed(4)}`;
    if (usd < 1000) return `$${usd.toFixed(2)}`;
    return `$${compact(usd)}`;
  };
  /** @param {number} rate */
  const perSecond = (rate) =>
    rate >= 100 ? int(rate) : rate >= 10 ? rate.toFixed(1) : rate.toFixed(2);
  /** @param {number | null} at */
  const ago = (at) => (at === null ? 'never' : `${duration(Math.max(0, Date.now() - at))} ago`);
  /** @param {number} at */
  const clock = (at) => new Date(at).toLocaleTimeString('en-GB', { hour12: false });

  /** @param {string} id @param {string} text */
  const setText = (id, text) => {
    const el = byId(id);
    if (el.textContent !== text) el.textContent = text;
  };

  // ---- reading the snapshot (defensive: unknown fields read as empty) ----------------------

  /** The fleet view. */
  const fleet = () => obj(snapshot?.fleet);
  const totals = () => obj(fleet().totals);
  const taskTotals = () => obj(totals().tasks);
  const workerTotals = () => obj(totals().workers);

  /**
   * The all-time latency of one kind (`submitToAssign`, `assignToComplete`) from the view.
   * @param {any} snap
   * @param {string} kind
   */
  const latencyTotal = (snap, kind) => obj(obj(obj(snap?.latency).total)[kind]);

  /**
   * Cumulative bucket counts of one latency kind, by upper bound (Infinity for the overflow).
   * @param {any} snap
   * @param {string} kind
   * @returns {Map<number, number>}
   */
  const bucketsOf = (snap, kind) => {
    const out = new Map();
    for (const b of list(latencyTotal(snap, kind).buckets)) {
      const le = typeof b.leMs === 'number' ? b.leMs : Infinity;
      out.set(le, num(b.count));
    }
    return out;
  };

  /**
   * Quantiles of what happened between two cumulative bucket maps: the recent latency, where
   * the view's own quantiles cover all time.
   * @param {Map<number, number>} now
   * @param {Map<number, number> | undefined} before
   * @param {number} maxMs what the overflow bucket reads as
   */
  const windowQuantiles = (now, before, maxMs) => {
    const deltas = [...now.entries()]
      .map(([le, n]) => [le, n - (before?.get(le) ?? 0)])
      .filter(([, n]) => n > 0)
      .sort((a, b) => a[0] - b[0]);
    const count = deltas.reduce((n, [, c]) => n + c, 0);
    /** @param {number} q */
    const at = (q) => {
      if (count === 0) return null;
      let seen = 0;
      for (const [le, n] of deltas) {
        seen += n;
        if (seen >= q * count) return le === Infinity ? maxMs : le;
      }
      return null;
    };
    return { count, p50: at(0.5), p99: at(0.99) };
  };

  // ---- rendering ------------------------------------------------------------------------------

  // ---- rendering ------------------------------------------------------------------------------

  const renderHeader = () => {
    const scope = obj(snapshot?.scope);
    const el = byId('scope');
    el.dataset.kind = scope.kind === 'project' ? 'project' : 'operator';
    el.textContent =
      scope.kind === 'project' ? `project · ${String(scope.project)}` : 'operator · all projects';
    setText('position', `seq ${int(num(snapshot?.position))}`);
  };

  const renderKpis = () => {
    const w = workerTotals();
    const t = taskTotals();
    const active = num(w.idle) + num(w.busy) + num(w.draining);
    setText('kpi-workers', int(active));
    const gone = num(w.lost) + num(w.revoked);
    setText(
      'kpi-workers-hint',
      `${int(num(w.busy))} busy · ${int(num(w.idle))} idle${gone > 0 ? ` · ${int(gone)} lost` : ''}`,
    );
    setText('kpi-queued', int(num(totals().queued)));
    const oldest = Math.max(0, ...list(fleet().pools).map((p) => num(obj(p).oldestQueuedAgeMs)));
    setText(
      'kpi-queued-hint',
      num(totals().queued) > 0 ? `oldest ${duration(oldest)}` : 'queues empty',
    );
    setText('kpi-running', int(num(t.assigned)));
    const capacity = num(totals().capacity);
    setText(
      'kpi-running-hint',
      capacity > 0
        ? `${Math.round((num(totals().held) / capacity) * 100)}% of ${int(capacity)} slots`
        : 'no capacity',
    );
    setText('kpi-completed', int(num(t.completed)));
    const all = Object.values(t).reduce((n, v) => n + num(v), 0);
    setText('kpi-completed-hint', `of ${int(all)} tasks`);
    setText('kpi-failed', int(num(t.failed) + num(t.dead_lettered)));
    setText('kpi-failed-hint', `failed ${int(num(t.failed))} · dead ${int(num(t.dead_lettered))}`);
    const rate = currentRate();
    setText('kpi-throughput', `${perSecond(rate)}/s`);
    setText(
      'kpi-throughput-hint',
      `1-min avg ${perSecond(num(obj(fleet().throughput).perSecond))}/s`,
    );
    const last = samples.at(-1);
    const wait = latencyTotal(snapshot, 'submitToAssign');
    const run = latencyTotal(snapshot, 'assignToComplete');
    const recent = last !== undefined && last.waitP50 !== null;
    const p50 = recent ? last.waitP50 : maybeNum(wait.p50Ms);
    const p99 = recent ? last.waitP99 : maybeNum(wait.p99Ms);
    setText('kpi-latency', duration(p50));
    const runP50 = recent ? last.runP50 : maybeNum(run.p50Ms);
    setText(
      'kpi-latency-hint',
      num(wait.count) === 0
        ? 'no task started yet'
        : `p99 ${duration(p99)} · run ${duration(runP50)}`,
    );
    byId('kpi-latency-hint').title = recent
      ? 'submit → start over the last 5 s; run: assign → complete p50'
      : 'submit → start since the start; run: assign → complete p50';
    const costs = obj(snapshot?.costs);
    setText('kpi-cost', money(num(obj(costs.total).costUsd)));
    const hour = thisHour();
    const hourly = list(costs.hourly).filter((r) => r.hour === hour);
    setText('kpi-cost-hint', `${money(hourly.reduce((n, r) => n + num(r.costUsd), 0))} this hour`);
  };

  /** The current UTC hour as the cost view names hours (ISO 8601). */
  const thisHour = () => {
    const d = new Date();
    d.setUTCMinutes(0, 0, 0);
    return d.toISOString();
  };

  /** Tile elements by worker id, reused across renders so hover and transitions survive. */
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
    const rt = el.children[0];
    const n = el.children[1];
    const bar = /** @type {HTMLElement} */ (el.children[2].firstChild);
    rt.textContent = RUNTIME_MARK[/** @type {keyof typeof RUNTIME_MARK} */ (w.runtime)] ?? '?';
    const working = w.status === 'busy' || w.status === 'idle' || w.status === 'draining';
    n.textContent = working ? `${num(w.held)}/${num(w.capacity)}` : '';
    bar.style.width = `${Math.min(100, Math.round(num(w.load) * 100))}%`;
    return el;
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
      ['runtime', String(w.runtime)],
      ['load', `${num(w.held)} / ${num(w.capacity)}`],
      ['last seen', ago(maybeNum(w.lastSeenAt))],
    ];
    if (labels !== '') rows.push(['labels', labels]);
    tooltip().replaceChildren(
      h('div', 't-id', String(w.workerId)),
      h('dl', '', ...rows.flatMap(([k, v]) => [h('dt', '', k), h('dd', '', v)])),
    );
    tooltip().hidden = false;
  };

  /** @param {MouseEvent} e */
  const onTileHover = (e) => {
    const target = /** @type {Element | null} */ (e.target);
    const tile = target?.closest?.('.tile');
    const id = tile instanceof HTMLElement ? (tile.dataset.worker ?? null) : null;
    if (id === null) {
      hovered = null;
      tooltip().hidden = true;
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

  const renderQueues = () => {
    const pools = list(fleet().pools)
      .slice()
      .sort(
        (a, b) =>
          num(b.queued) - num(a.queued) || String(a.project).localeCompare(String(b.project)),
      );
    const table = byId('queues');
    if (pools.length === 0) {
      table.replaceChildren(h('caption', 'empty', 'no pools yet'));
      return;
    }
    const max = Math.max(1, ...pools.map((p) => num(p.queued)));
    const head = h(
      'tr',
      '',
      h('th', '', 'project · pool'),
      h('th', 'num', 'depth'),
      h('th', 'num', 'oldest'),
      h('th', 'num', 'run'),
    );
    table.replaceChildren(
      h('thead', '', head),
      h(
        'tbody',
        '',
        ...pools.map((p) => {
          const age = maybeNum(p.oldestQueuedAgeMs);
          const bar = h('span', 'bar', h('i'));
          /** @type {HTMLElement} */ (bar.firstChild).style.width =
            `${(num(p.queued) / max) * 100}%`;
          const ageCell = h('td', 'num', age === null ? '–' : duration(age));
          if (age !== null && age > 30_000) ageCell.classList.add('age-bad');
          else if (age !== null && age > 5_000) ageCell.classList.add('age-warn');
          const row = h(
            'tr',
            '',
            h('td', 'who', String(p.project), h('span', 'pool', ` · ${String(p.pool)}`)),
            h('td', 'num depth', int(num(p.queued)), bar),
            ageCell,
            h('td', 'num', `${int(num(p.held))}/${int(num(p.capacity))}`),
          );
          row.dataset.project = String(p.project);
          return row;
        }),
      ),
    );
  };

  /** @param {unknown} u */
  const unmet = (u) => `${String(obj(u).kind)}: ${String(obj(u).detail ?? '')}`;

  /** @param {any} reason @returns {[string, string]} */
  const explain = (reason) => {
    const r = obj(reason);
    switch (r.kind) {
      case 'no_workers':
        return ['bad', 'no active worker of this project in the pool'];
      case 'unmet':
        return ['bad', `no worker qualifies · ${unmet(r.unmet)}`];
      case 'no_single_worker':
        return ['warn', `no single worker meets all · ${list(r.unmet).map(unmet).join('; ')}`];
      case 'workers_busy':
        return ['warn', `${num(r.eligibleWorkers)} eligible worker(s), all busy`];
      case 'awaiting_claim':
        return [
          'ok',
          `${num(r.freeWorkers)} of ${num(r.eligibleWorkers)} eligible free: starts at the next claim`,
        ];
      default:
        return ['warn', String(r.kind ?? 'unknown')];
    }
  };

  const renderWaiting = () => {
    const waiting = list(fleet().waiting);
    const ul = byId('waiting');
    if (waiting.length === 0) {
      ul.replaceChildren(h('li', 'empty', 'nothing is waiting'));
      return;
    }
    const rank = { bad: 0, warn: 1, ok: 2 };
    const rows = waiting
      .map((w) => ({ w, why: explain(w.reason) }))
      .sort(
        (a, b) =>
          rank[/** @type {keyof typeof rank} */ (a.why[0])] -
            rank[/** @type {keyof typeof rank} */ (b.why[0])] || num(b.w.queued) - num(a.w.queued),
      );
    ul.replaceChildren(
      ...rows.map(({ w, why }) => {
        const models = list(obj(w.requirements).models);
        const li = h(
          'li',
          '',
          h(
            'div',
            'line1',
            h('span', 'who', `${String(w.project)} · ${String(w.pool)}`),
            h('span', `right tag ${why[0]}`, `${int(num(w.queued))} queued`),
          ),
          h('div', 'line2 reason', why[1]),
          h(
            'div',
            'line2',
            `${models.length > 0 ? `wants ${models.join(' | ')} · ` : ''}oldest ${duration(maybeNum(w.oldestAgeMs))}`,
          ),
        );
        li.title = why[1];
        li.dataset.project = String(w.project);
        return li;
      }),
    );
  };

  const renderCosts = () => {
    const costs = obj(snapshot?.costs);
    const hour = thisHour();
    /** @type {Map<string, number>} */
    const perHour = new Map();
    for (const r of list(costs.hourly))
      if (r.hour === hour)
        perHour.set(String(r.project), (perHour.get(String(r.project)) ?? 0) + num(r.costUsd));
    const rows = list(costs.byProject)
      .map((r) => ({
        project: String(r.project),
        usd: num(r.costUsd),
        perHour: perHour.get(String(r.project)) ?? 0,
        tokens: num(r.tokensIn) + num(r.tokensOut),
        completed: num(r.completed),
      }))
      .sort((a, b) => b.usd - a.usd || a.project.localeCompare(b.project));
    const container = byId('costs');
    if (rows.length === 0) {
      container.replaceChildren(h('div', 'empty', 'no usage reported yet'));
      return;
    }
    const max = Math.max(...rows.map((r) => r.usd), 1e-9);
    container.replaceChildren(
      ...rows.map((r) => {
        const bar = h('div', 'bar', h('i'));
        /** @type {HTMLElement} */ (bar.firstChild).style.width = `${(r.usd / max) * 100}%`;
        const el = h(
          'div',
          'cost',
          h('div', 'line1', h('span', 'who', r.project), h('span', 'usd', money(r.usd))),
          bar,
          h(
            'div',
            'line2',
            h('span', '', `${compact(r.completed)} tasks · ${compact(r.tokens)} tokens`),
            h('span', '', `${money(r.perHour)} this hour`),
          ),
        );
        el.dataset.project = r.project;
        return el;
      }),
    );
  };

  const renderRejections = () => {
    const rej = obj(snapshot?.rejections);
    /** @type {Map<string, number>} */
    const merged = new Map();
    for (const kind of ['claims', 'submissions', 'events'])
      for (const [reason, n] of Object.entries(obj(obj(rej[kind]).byReason)))
        merged.set(reason, (merged.get(reason) ?? 0) + num(n));
    const reasons = [...merged.entries()].sort(([, a], [, b]) => b - a);
    byId('rejection-reasons').replaceChildren(
      ...reasons.map(([reason, n]) => h('span', 'tag bad', `${reason} ${int(num(n))}`)),
    );
    const recent = list(rej.recent).slice(0, 40);
    const ul = byId('rejections');
    if (recent.length === 0) {
      ul.replaceChildren(
        h('li', 'empty', reasons.length === 0 ? 'no rejections' : 'none recently'),
      );
      return;
    }
    ul.replaceChildren(
      ...recent.map((r) => {
        const at = maybeNum(r.at);
        const li = h(
          'li',
          '',
          h(
            'div',
            'line1',
            h('span', 'tag bad', String(r.reason)),
            h('span', 'who', `${String(r.project ?? '—')}${r.pool ? ` · ${String(r.pool)}` : ''}`),
            h('span', 'right', at === null ? '' : clock(at)),
          ),
          h(
            'div',
            'line2 reason',
            `${String(r.type ?? '')}${r.detail ? `: ${String(r.detail)}` : ''}`,
          ),
        );
        li.title = String(r.detail ?? '');
        return li;
      }),
    );
  };

  // ---- charts ---------------------------------------------------------------------------------

  /** Completed counts at the end of each second of the window, carried forward. */
  /**
   * Completions per second at the end of each whole second of the window: the count's rise
   * over the two seconds before, or since the first sample when the page is younger.
   * @returns {[number, number][]}
   */
  const perSecondSeries = () => {
    const first = samples[0];
    if (first === undefined) return [];
    /** The completed count at time `t`: the last sample's at or before it. */
    let i = 0;
    let value = first.completed;
    /** @param {number} t */
    const countAt = (t) => {
      while (i < samples.length && samples[i].t <= t) {
        value = samples[i].completed;
        i += 1;
      }
      return value;
    };
    /** @type {[number, number][]} */
    const points = [];
    /** @type {Map<number, number>} */
    const counts = new Map();
    // The second under way is not over: its count would read low.
    const last = Math.floor(Date.now() / 1000) * 1000;
    for (let t = last - span() * 1000; t <= last; t += 1000) {
      if (t <= first.t) continue;
      counts.set(t, countAt(t));
      const before = counts.get(t - 2000);
      const base =
        before === undefined ? { t: first.t, n: first.completed } : { t: t - 2000, n: before };
      const seconds = Math.max(0.5, (t - base.t) / 1000);
      points.push([t, Math.max(0, (value - base.n) / seconds)]);
    }
    return points;
  };

  const currentRate = () => {
    const now = Date.now();
    const recent = samples.filter((s) => s.t >= now - 5_000);
    const first = recent[0];
    const before = samples[samples.indexOf(first) - 1];
    const from = before ?? first;
    const last = samples.at(-1);
    if (from === undefined || last === undefined || last === from) return 0;
    return Math.max(0, (last.completed - from.completed) / Math.max(1, (now - from.t) / 1000));
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
    const y = (/** @type {number} */ v) =>
      pad.top + (1 - v / top) * (height - pad.top - pad.bottom);
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
      if (pts.length === 0) continue;
      const d = pts
        .map((p, k) => `${k === 0 ? 'M' : 'L'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`)
        .join('');
      if (s.area === true) {
        const first = pts[0];
        const last = pts[pts.length - 1];
        layers.push(
          svg('path', {
            class: 'area',
            fill: s.color,
            d: `${d}L${x(last[0]).toFixed(1)},${y(0)}L${x(first[0]).toFixed(1)},${y(0)}Z`,
          }),
        );
      }
      layers.push(svg('path', { class: 'series', stroke: s.color, d }));
      const last = pts[pts.length - 1];
      layers.push(svg('circle', { cx: x(last[0]), cy: y(last[1]), r: 2.5, fill: s.color }));
    }
    el.replaceChildren(...layers);
  };

  /** Seconds the charts span now. */
  const span = () => {
    const first = samples[0];
    const had = first === undefined ? 0 : (Date.now() - first.t) / 1000;
    return Math.min(WINDOW_S, Math.max(MIN_SPAN_S, Math.ceil(had / 10) * 10));
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

  const renderCharts = () => {
    chart(
      /** @type {SVGSVGElement} */ (/** @type {unknown} */ (byId('chart-throughput'))),
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
      /** @type {SVGSVGElement} */ (/** @type {unknown} */ (byId('chart-latency'))),
      [
        { name: 'run p50', color: COLORS.violet, points: points('runP50') },
        { name: 'wait p50', color: COLORS.accent, points: points('waitP50') },
        { name: 'wait p99', color: COLORS.warn, points: points('waitP99') },
      ],
      (v) => duration(v),
    );
  };

  // ---- the stream -----------------------------------------------------------------------------

  const addSample = () => {
    const t = Date.now();
    const wait = bucketsOf(snapshot, 'submitToAssign');
    const run = bucketsOf(snapshot, 'assignToComplete');
    // The latest sample at least a window old, else the first: what happened since is recent.
    let ref = samples[0];
    for (const s of samples) if (s.t <= t - LATENCY_WINDOW_MS) ref = s;
    const w = windowQuantiles(wait, ref?.wait, num(latencyTotal(snapshot, 'submitToAssign').maxMs));
    const r = windowQuantiles(run, ref?.run, num(latencyTotal(snapshot, 'assignToComplete').maxMs));
    samples.push({
      t,
      completed: num(taskTotals().completed),
      wait,
      run,
      waitP50: w.p50,
      waitP99: w.p99,
      runP50: r.p50,
      runP99: r.p99,
    });
    while (samples.length > 0 && samples[0].t < t - (WINDOW_S + 5) * 1000) samples.shift();
  };

  const render = () => {
    renderHeader();
    renderKpis();
    renderLegend();
    renderTiles();
    renderQueues();
    renderWaiting();
    renderCosts();
    renderRejections();
    renderCharts();
  };

  /** @param {'connecting' | 'live' | 'down'} state @param {string} text */
  const setLive = (state, text) => {
    const el = byId('live');
    el.dataset.state = state;
    el.textContent = text;
  };

  const connect = () => {
    const source = new EventSource(`api/events?token=${encodeURIComponent(token)}`);
    source.addEventListener('open', () => {
      setLive('live', 'live');
    });
    source.addEventListener('snapshot', (event) => {
      snapshot = JSON.parse(/** @type {MessageEvent<string>} */ (event).data);
      lastEventAt = Date.now();
      addSample();
      setLive('live', 'live');
      const live = byId('live');
      live.classList.add('pulse');
      setTimeout(() => live.classList.remove('pulse'), 200);
      render();
    });
    source.addEventListener('error', () => {
      if (source.readyState !== EventSource.CLOSED) {
        setLive('down', 'reconnecting');
        return;
      }
      // The server refused the stream (a bad token, say): ask why, once.
      setLive('down', 'disconnected');
      fetch(`api/snapshot?token=${encodeURIComponent(token)}`)
        .then((r) => {
          if (r.status === 401) setLive('down', 'token refused');
          else setTimeout(connect, 3_000);
        })
        .catch(() => setTimeout(connect, 3_000));
    });
  };

  byId('tiles').addEventListener('mousemove', onTileHover);
  byId('tiles').addEventListener('mouseleave', () => {
    hovered = null;
    tooltip().hidden = true;
  });
  window.addEventListener('resize', () => {
    if (snapshot !== null) renderCharts();
  });
  setInterval(() => {
    setText('clock', clock(Date.now()));
    if (snapshot === null) return;
    // Quiet fleets send no events: the charts still move, carrying the last values forward.
    if (Date.now() - lastEventAt >= 1_000) addSample();
    renderKpis();
    renderCharts();
  }, 1_000);
  setText('clock', clock(Date.now()));
  connect();
})();
