// @ts-check
// The launches panel: one-shot workers being launched for waiting tasks, and templates backing
// off after a failed launch (the provisioner's launch events, as the fleet state folds them).
/* exported renderLaunches */

const renderLaunches = () => {
  const launches = obj(fleet().launches);
  const live = list(launches.live);
  const backoff = list(launches.backoff);
  const ul = byId('launches');
  if (live.length === 0 && backoff.length === 0) {
    ul.replaceChildren(h('li', 'empty', 'no launch under way'));
    return;
  }
  ul.replaceChildren(
    ...backoff.map((b) =>
      h(
        'li',
        '',
        h(
          'div',
          'line1',
          h('span', 'who', `${String(b.project)} · ${String(b.pool)} · ${String(b.template)}`),
          h('span', 'right tag bad', `failed ${int(num(b.failures))}×`),
        ),
        h('div', 'line2 reason', `${String(b.code)}: ${String(b.message)}`),
        h('div', 'line2', `${String(b.runtime)} · retry in ${duration(num(b.retryInMs))}`),
      ),
    ),
    ...live.map((l) =>
      h(
        'li',
        '',
        h(
          'div',
          'line1',
          h('span', 'who', `${String(l.project)} · ${String(l.pool)} · ${String(l.template)}`),
          h('span', `right tag ${l.status === 'started' ? 'ok' : 'warn'}`, String(l.status)),
        ),
        h(
          'div',
          'line2',
          `${String(l.runtime)} for task ${String(l.taskId)} · ${duration(num(l.ageMs))}` +
            (l.workerId === null ? '' : ` · worker ${String(l.workerId)}`),
        ),
      ),
    ),
  );
};
