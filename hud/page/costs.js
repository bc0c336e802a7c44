// @ts-check
// The cost panel: each tenant's spend, most first, with this hour's share.
/* exported renderCosts */

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
