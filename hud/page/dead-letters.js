// @ts-check
// The dead letters panel: the dead-lettered tasks of the page's scope (a tenant's token reads
// its own project's only: the server scopes the search), newest first, each with its attempts
// and when it died. Read from the log through api/tasks when the count of dead letters changes,
// not on every snapshot; `fleet dlq redrive` or the actions dialog runs one again.
/* exported renderDeadLetters */

const DEAD_LETTERS_SHOWN = 20;
/** The dead-letter count the list was last read for (-1: never read). */
let deadLettersReadAt = -1;

/** @param {Record<string, unknown>[]} rows @param {number} total */
const showDeadLetters = (rows, total) => {
  setText(
    'dead-letters-count',
    total === 0 ? '' : `${int(total)}${total > rows.length ? `, newest ${rows.length}` : ''}`,
  );
  const ul = byId('dead-letters');
  if (rows.length === 0) {
    ul.replaceChildren(h('li', 'empty', 'no dead letters'));
    return;
  }
  ul.replaceChildren(
    ...rows.map((r) => {
      const ended = maybeNum(r.endedAt);
      const li = h(
        'li',
        '',
        h(
          'div',
          'line1',
          h('span', 'tag bad', 'dead'),
          h('span', 'who', String(r.taskId)),
          h('span', 'right', ended === null ? '' : clock(ended)),
        ),
        h(
          'div',
          'line2',
          `${String(r.project)} · ${String(r.pool)} · ${int(num(r.attempts))} attempt` +
            `${num(r.attempts) === 1 ? '' : 's'}`,
        ),
      );
      li.dataset.task = String(r.taskId);
      return li;
    }),
  );
};

const renderDeadLetters = () => {
  const dead = num(taskTotals().dead_lettered);
  if (dead === deadLettersReadAt) return;
  deadLettersReadAt = dead;
  if (dead === 0) {
    showDeadLetters([], 0);
    return;
  }
  const params = new URLSearchParams({
    token,
    status: 'dead_lettered',
    limit: String(DEAD_LETTERS_SHOWN),
  });
  fetch(`api/tasks?${params.toString()}`)
    .then(async (r) => {
      const body = obj(await r.json().catch(() => ({})));
      if (!r.ok) {
        deadLettersReadAt = -1; // read again on the next snapshot
        return;
      }
      showDeadLetters(list(body.rows).map(obj), num(body.total));
    })
    .catch(() => {
      deadLettersReadAt = -1;
    });
};
