// @ts-check
// The operators' actions: cancel or redrive a task, drain or revoke a worker, from one dialog, each
// confirmed first; the server stores the event on the stream and answers with its sequence.
// Project tokens see no button (the server refuses them anyway).
/* exported renderActions */

const renderActions = () => {
  byId('act-open').hidden = obj(snapshot?.scope).kind !== 'operator';
};

/** What each action asks for, says before it is stored, and names what it stored. */
const ACTION_KINDS = {
  cancel: {
    target: 'task',
    key: 'taskId',
    reason: true,
    button: 'cancel the task',
    stored: 'cancellation',
    /** @param {Record<string, string>} r */
    ask: (r) => `Cancel task ${r.taskId} of ${r.project} · ${r.pool}?`,
  },
  redrive: {
    target: 'task',
    key: 'taskId',
    reason: true,
    button: 'redrive the task',
    stored: 'redrive',
    /** @param {Record<string, string>} r */
    ask: (r) =>
      `Run dead-lettered task ${r.taskId} of ${r.project} · ${r.pool} again, from attempt 1?`,
  },
  drain: {
    target: 'worker',
    key: 'workerId',
    reason: false,
    button: 'drain the worker',
    stored: 'drain',
    /** @param {Record<string, string>} r */
    ask: (r) => `Drain worker ${r.workerId} of ${r.project} · ${r.pool}? It takes no new work.`,
  },
  revoke: {
    target: 'worker',
    key: 'workerId',
    reason: true,
    button: 'revoke the worker',
    stored: 'revocation',
    /** @param {Record<string, string>} r */
    ask: (r) =>
      `Revoke worker ${r.workerId} of ${r.project} · ${r.pool}? Its key stops working and its tasks are requeued.`,
  },
};

const actDialog = /** @type {HTMLDialogElement} */ (byId('act-dialog'));
const actKind = /** @type {HTMLSelectElement} */ (byId('act-kind'));
/** @param {string} id */
const field = (id) => /** @type {HTMLInputElement} */ (byId(id)).value.trim();
const kindOf = () =>
  ACTION_KINDS[/** @type {keyof typeof ACTION_KINDS} */ (actKind.value)] ?? ACTION_KINDS.cancel;

const showKind = () => {
  const kind = kindOf();
  setText('act-target-name', kind.target);
  setText('act-submit', kind.button);
  byId('act-reason-row').hidden = !kind.reason;
};

actKind.addEventListener('change', showKind);
byId('act-open').addEventListener('click', () => {
  setText('act-result', '');
  showKind();
  actDialog.showModal();
});
byId('act-close').addEventListener('click', () => {
  actDialog.close();
});
byId('act-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const kind = kindOf();
  /** @type {Record<string, string>} */
  const ref = { project: field('act-project'), pool: field('act-pool') };
  ref[kind.key] = field('act-target');
  const reason = field('act-reason');
  if (kind.reason && reason !== '') ref.reason = reason;
  if (!window.confirm(kind.ask(ref))) return;
  setText('act-result', 'storing…');
  fetch(`api/actions/${actKind.value}?token=${encodeURIComponent(token)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ref),
  })
    .then(async (r) => {
      const body = obj(await r.json().catch(() => ({})));
      setText(
        'act-result',
        r.ok
          ? `${kind.stored} stored at seq ${int(num(body.seq))}`
          : `refused: ${String(body.message ?? r.status)}`,
      );
    })
    .catch(() => {
      setText('act-result', 'the HUD did not answer');
    });
});
