// @ts-check
// The why-waiting panel: for each pool with queued tasks, why they do not start, worst first.
/* exported renderWaiting */

/** @param {unknown} u */
const unmet = (u) => `${String(obj(u).kind)}: ${String(obj(u).detail ?? '')}`;

/**
 * How bad a wait reason is, and what to say of it.
 * @param {any} reason
 * @param {unknown} [text] the server's words for it
 * @returns {['bad' | 'warn' | 'ok', string]}
 */
const explain = (reason, text) => {
  const r = obj(reason);
  switch (r.kind) {
    case 'over_limit':
      // A tenant's own budget, rate or cap: flagged, in the words of fleet top.
      return ['bad', `waiting on a limit · ${String(text ?? 'over a limit')}`];
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
    case 'launching':
      return [
        'ok',
        `launching a ${String(r.runtime)} worker (template ${String(r.template)}, ${String(r.status)})`,
      ];
    case 'launch_backoff':
      return [
        'bad',
        `launch from template ${String(r.template)} failed ${num(r.failures)}× · ${String(r.code)}: ${String(r.message)}`,
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
    .map((w) => ({ w, why: explain(w.reason, w.text) }))
    .sort((a, b) => rank[a.why[0]] - rank[b.why[0]] || num(b.w.queued) - num(a.w.queued));
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
