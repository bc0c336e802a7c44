// @ts-check
// The queues panel: each pool's depth, oldest wait and running slots, deepest first.
/* exported renderQueues */

const renderQueues = () => {
  const pools = list(fleet().pools)
    .slice()
    .sort(
      (a, b) => num(b.queued) - num(a.queued) || String(a.project).localeCompare(String(b.project)),
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
        /** @type {HTMLElement} */ (bar.firstChild).style.width = `${(num(p.queued) / max) * 100}%`;
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
