// @ts-check
// The limits panel: each tenant's budgets, rates and caps as bars of used (spent and reserved)
// against the maximum, flagged when its tasks wait on one.
/* exported renderLimits */

const renderLimits = () => {
  const view = fleet();
  const waitingOn = new Set(
    list(view.waiting)
      .filter((w) => obj(w.reason).kind === 'over_limit')
      .map((w) => `${String(w.project)}/${String(w.pool)}`),
  );
  const rows = list(view.limits);
  const container = byId('limits');
  if (rows.length === 0) {
    container.replaceChildren(h('div', 'empty', 'no limits in force'));
    return;
  }
  container.replaceChildren(
    ...rows.map((l) => {
      const who = `${String(l.project)}/${String(l.pool)}`;
      const share = Math.min(1, num(l.used) / Math.max(num(l.limit), 1e-9));
      const bar = h('div', 'bar', h('i'));
      /** @type {HTMLElement} */ (bar.firstChild).style.width = `${share * 100}%`;
      const waits = waitingOn.has(who);
      const el = h(
        'div',
        'cost',
        h(
          'div',
          'line1',
          h('span', 'who', `${who}${l.model === undefined ? '' : ` · ${String(l.model)}`}`),
          h(
            'span',
            `right tag ${waits ? 'bad' : share >= 0.9 ? 'warn' : 'ok'}`,
            waits ? 'waiting' : `${Math.round(share * 100)}%`,
          ),
        ),
        bar,
        h('div', 'line2', String(l.text ?? '')),
      );
      el.dataset.project = String(l.project);
      el.title = String(l.text ?? '');
      return el;
    }),
  );
};
