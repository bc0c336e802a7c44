// @ts-check
// The operators' limits: set or clear a tenant's budgets, rates and caps from a dialog, each
// confirmed first; the server parses the fields as `fleet limits set` does, stores the event on
// the stream and answers with its sequence (or why it refused, recorded on the stream too).
/* exported renderLimitForm */

const renderLimitForm = () => {
  byId('limit-open').hidden = obj(snapshot?.scope).kind !== 'operator';
};

const limitDialog = /** @type {HTMLDialogElement} */ (byId('limit-dialog'));
/** The page's fields and the request's names (`fleet limits set`'s options). */
const LIMIT_FIELDS = {
  model: 'limit-model',
  budgetUsd: 'limit-budget-usd',
  budgetTokens: 'limit-budget-tokens',
  period: 'limit-period',
  timeZone: 'limit-time-zone',
  tasksPerMinute: 'limit-tasks-per-minute',
  tokensPerMinute: 'limit-tokens-per-minute',
  concurrency: 'limit-concurrency',
};
/** @param {string} id */
const typed = (id) => /** @type {HTMLInputElement} */ (byId(id)).value.trim();

/**
 * Posts one limits action and says what came of it.
 * @param {'limit-set' | 'limit-clear'} action
 * @param {Record<string, string>} body
 */
const postLimit = (action, body) => {
  setText('limit-result', 'storing…');
  fetch(`api/actions/${action}?token=${encodeURIComponent(token)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
    .then(async (r) => {
      const answer = obj(await r.json().catch(() => ({})));
      const done = action === 'limit-set' ? 'limits stored' : 'limits cleared';
      setText(
        'limit-result',
        r.ok
          ? `${done} at seq ${int(num(answer.seq))}`
          : `refused: ${String(answer.message ?? r.status)}`,
      );
    })
    .catch(() => {
      setText('limit-result', 'the HUD did not answer');
    });
};

/** The scope the dialog names: project, pool and, when given, model. */
const limitScope = () => {
  /** @type {Record<string, string>} */
  const scope = { project: typed('limit-project'), pool: typed('limit-pool') };
  const model = typed('limit-model');
  if (model !== '') scope.model = model;
  return scope;
};
/** @param {Record<string, string>} s */
const scopeText = (s) => `${s.project} · ${s.pool}${s.model === undefined ? '' : ` · ${s.model}`}`;

byId('limit-open').addEventListener('click', () => {
  setText('limit-result', '');
  limitDialog.showModal();
});
byId('limit-close').addEventListener('click', () => {
  limitDialog.close();
});
byId('limit-form').addEventListener('submit', (event) => {
  event.preventDefault();
  /** @type {Record<string, string>} */
  const body = limitScope();
  for (const [name, id] of Object.entries(LIMIT_FIELDS)) {
    const value = typed(id);
    if (value !== '') body[name] = value;
  }
  if (!window.confirm(`Put these limits in force for ${scopeText(body)}?`)) return;
  postLimit('limit-set', body);
});
byId('limit-clear').addEventListener('click', () => {
  const form = /** @type {HTMLFormElement} */ (byId('limit-form'));
  if (!form.reportValidity()) return;
  const scope = limitScope();
  if (!window.confirm(`Lift every limit of ${scopeText(scope)}?`)) return;
  postLimit('limit-clear', scope);
});
