// @ts-check
// Fleet HUD: renders the projections' snapshots streamed over Server-Sent Events. Plain
// browser JavaScript, in several files that share one scope with the charting library (uPlot):
// the server joins them in page.html's order into one inline script (hud/page-assets.ts), this
// one last, since it starts the page.

const token = new URLSearchParams(window.location.search).get('token') ?? '';
let lastEventAt = 0;

const render = () => {
  renderHeader();
  renderActions();
  renderLimitForm();
  renderKpis();
  renderLegend();
  renderTiles();
  renderQueues();
  renderWaiting();
  renderLimits();
  renderLaunches();
  renderCosts();
  renderRejections();
  renderDeadLetters();
  renderCharts();
};

const connect = () => {
  const source = new EventSource(`api/events?token=${encodeURIComponent(token)}`);
  source.addEventListener('open', () => {
    setLive('live', 'live');
  });
  source.addEventListener('snapshot', (event) => {
    snapshot = JSON.parse(event.data);
    lastEventAt = Date.now();
    addSample();
    setLive('live', 'live');
    const live = byId('live');
    live.classList.add('pulse');
    setTimeout(() => live.classList.remove('pulse'), 200);
    render();
  });
  source.addEventListener('error', () => {
    if (source.readyState !== EventSource.CLOSED) {
      setLive('down', 'reconnecting');
      return;
    }
    // The server refused the stream (a bad token, say): ask why, once.
    setLive('down', 'disconnected');
    fetch(`api/snapshot?token=${encodeURIComponent(token)}`)
      .then((r) => {
        if (r.status === 401) setLive('down', 'token refused');
        else setTimeout(connect, 3_000);
      })
      .catch(() => setTimeout(connect, 3_000));
  });
};

byId('tiles').addEventListener('mousemove', onTileHover);
byId('tiles').addEventListener('mouseleave', hideTooltip);
window.addEventListener('resize', () => {
  if (snapshot !== null) renderCharts();
});
setInterval(() => {
  setText('clock', clock(Date.now()));
  if (snapshot === null) return;
  // Quiet fleets send no events: the charts still move, carrying the last values forward.
  if (Date.now() - lastEventAt >= 1_000) addSample();
  renderKpis();
  renderCharts();
}, 1_000);
setText('clock', clock(Date.now()));
// The recent history first, so the charts start full; the stream then carries them on.
fetch(`api/history?token=${encodeURIComponent(token)}`)
  .then((r) => (r.ok ? r.json() : { points: [] }))
  .then((body) => {
    seedSamples(obj(body).points);
  })
  .catch(() => undefined)
  .finally(connect);
