// @ts-check
// The operators' actions: cancel a task from a dialog, confirmed first; the server stores the
// cancellation on the stream and answers with its sequence. Project tokens see no button (the
// server refuses them anyway).
/* exported renderActions */

const renderActions = () => {
  byId('act-open').hidden = obj(snapshot?.scope).kind !== 'operator';
};

const actDialog = /** @type {HTMLDialogElement} */ (byId('act-dialog'));
/** @param {string} id */
const field = (id) => /** @type {HTMLInputElement} */ (byId(id)).value.trim();

byId('act-open').addEventListener('click', () => {
  setText('act-result', '');
  actDialog.showModal();
});
byId('act-close').addEventListener('click', () => {
  actDialog.close();
});
byId('act-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const ref = { project: field('act-project'), pool: field('act-pool'), taskId: field('act-task') };
  const reason = field('act-reason');
  if (!window.confirm(`Cancel task ${ref.taskId} of ${ref.project} · ${ref.pool}?`)) return;
  setText('act-result', 'storing…');
  fetch(`api/actions/cancel?token=${encodeURIComponent(token)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(reason === '' ? ref : { ...ref, reason }),
  })
    .then(async (r) => {
      const body = obj(await r.json().catch(() => ({})));
      setText(
        'act-result',
        r.ok
          ? `cancellation stored at seq ${int(num(body.seq))}`
          : `refused: ${String(body.message ?? r.status)}`,
      );
    })
    .catch(() => {
      setText('act-result', 'the HUD did not answer');
    });
});
