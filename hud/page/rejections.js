// @ts-check
// The rejections panel: counts by reason, and the latest refusals.
/* exported renderRejections */

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
    ul.replaceChildren(h('li', 'empty', reasons.length === 0 ? 'no rejections' : 'none recently'));
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
