// @ts-check
// The task list, in a dialog over the board: the scope's tasks as the server finds them (id,
// status, label), newest first, one bounded page; a queued task says why it waits. Searched
// on demand, not live: each search is a read of the log.

const TASK_LIMIT = 50;

/** @param {string} id */
const inputValue = (id) => /** @type {HTMLInputElement} */ (byId(id)).value.trim();

/** @param {Record<string, unknown>[]} rows */
const renderTasks = (rows) => {
  const table = byId('tasks');
  const head = h(
    'tr',
    '',
    h('th', '', 'task'),
    h('th', '', 'project · pool'),
    h('th', '', 'status'),
    h('th', 'num', 'tries'),
  );
  table.replaceChildren(
    h('thead', '', head),
    h(
      'tbody',
      '',
      ...rows.map((r) => {
        const row = h(
          'tr',
          '',
          h('td', 'who', String(r.taskId)),
          h('td', '', String(r.project), h('span', 'pool', ` · ${String(r.pool)}`)),
          h(
            'td',
            'status',
            String(r.status),
            typeof r.waiting === 'string' ? h('div', 'why', r.waiting) : null,
            typeof r.workerId === 'string' ? h('div', 'why', r.workerId) : null,
          ),
          h('td', 'num', `${int(num(r.attempts))}/${int(num(r.maxAttempts))}`),
        );
        row.dataset.task = String(r.taskId);
        return row;
      }),
    ),
  );
};

const searchTasks = () => {
  const params = new URLSearchParams({ token, limit: String(TASK_LIMIT) });
  /** @type {[string, string][]} */
  const fields = [
    ['id', 'task-id'],
    ['status', 'task-status'],
    ['label', 'task-label'],
  ];
  for (const [name, id] of fields) {
    const value = inputValue(id);
    if (value !== '') params.set(name, value);
  }
  setText('task-count', 'searching…');
  fetch(`api/tasks?${params.toString()}`)
    .then(async (r) => {
      const body = obj(await r.json().catch(() => ({})));
      if (!r.ok) {
        setText('task-count', `refused: ${String(body.message ?? r.status)}`);
        return;
      }
      const rows = list(body.rows).map(obj);
      const total = int(num(body.total));
      setText(
        'task-count',
        rows.length === 0 ? 'no task matches' : `${int(rows.length)} of ${total}, newest first`,
      );
      renderTasks(rows);
    })
    .catch(() => {
      setText('task-count', 'the HUD did not answer');
    });
};

const tasksDialog = /** @type {HTMLDialogElement} */ (byId('tasks-dialog'));
byId('tasks-open').addEventListener('click', () => {
  tasksDialog.showModal();
  searchTasks();
});
byId('tasks-close').addEventListener('click', () => {
  tasksDialog.close();
});
byId('task-search').addEventListener('submit', (event) => {
  event.preventDefault();
  searchTasks();
});
