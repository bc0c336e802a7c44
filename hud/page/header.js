// @ts-check
// The header: whose view this is, how far into the stream, and whether the stream is live.
/* exported renderHeader, setLive */

const renderHeader = () => {
  const scope = obj(snapshot?.scope);
  const el = byId('scope');
  el.dataset.kind = scope.kind === 'project' ? 'project' : 'operator';
  el.textContent =
    scope.kind === 'project' ? `project · ${String(scope.project)}` : 'operator · all projects';
  setText('position', `seq ${int(num(snapshot?.position))}`);
};

/** @param {'connecting' | 'live' | 'down'} state @param {string} text */
const setLive = (state, text) => {
  const el = byId('live');
  el.dataset.state = state;
  el.textContent = text;
};
