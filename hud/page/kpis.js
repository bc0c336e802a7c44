// @ts-check
// The row of key figures above the panels.
/* exported renderKpis */

const renderKpis = () => {
  const w = workerTotals();
  const t = taskTotals();
  const active = num(w.idle) + num(w.busy) + num(w.draining);
  setText('kpi-workers', int(active));
  // Lost (silent too long) and revoked (the operator's cut) are different stories: told apart.
  const lost = num(w.lost);
  const revoked = num(w.revoked);
  setText(
    'kpi-workers-hint',
    `${int(num(w.busy))} busy · ${int(num(w.idle))} idle` +
      (lost > 0 ? ` · ${int(lost)} lost` : '') +
      (revoked > 0 ? ` · ${int(revoked)} revoked` : ''),
  );
  setText('kpi-queued', int(num(totals().queued)));
  const oldest = Math.max(0, ...list(fleet().pools).map((p) => num(obj(p).oldestQueuedAgeMs)));
  setText(
    'kpi-queued-hint',
    num(totals().queued) > 0 ? `oldest ${duration(oldest)}` : 'queues empty',
  );
  setText('kpi-running', int(num(t.assigned)));
  const capacity = num(totals().capacity);
  setText(
    'kpi-running-hint',
    capacity > 0
      ? `${Math.round((num(totals().held) / capacity) * 100)}% of ${int(capacity)} slots`
      : 'no capacity',
  );
  setText('kpi-completed', int(num(t.completed)));
  const all = Object.values(t).reduce((n, v) => n + num(v), 0);
  setText('kpi-completed-hint', `of ${int(all)} tasks`);
  setText('kpi-failed', int(num(t.failed) + num(t.dead_lettered) + num(t.timed_out)));
  setText(
    'kpi-failed-hint',
    `failed ${int(num(t.failed))} · dead ${int(num(t.dead_lettered))} · timed out ${int(num(t.timed_out))}`,
  );
  const rate = currentRate();
  setText('kpi-throughput', `${perSecond(rate)}/s`);
  setText(
    'kpi-throughput-hint',
    `1-min avg ${perSecond(num(obj(fleet().throughput).perSecond))}/s`,
  );
  const last = samples.at(-1);
  const wait = latencyTotal(snapshot, 'submitToAssign');
  const run = latencyTotal(snapshot, 'assignToComplete');
  const recent = last !== undefined && last.waitP50 !== null;
  const p50 = recent ? last.waitP50 : maybeNum(wait.p50Ms);
  const p99 = recent ? last.waitP99 : maybeNum(wait.p99Ms);
  setText('kpi-latency', duration(p50));
  const runP50 = recent ? last.runP50 : maybeNum(run.p50Ms);
  setText(
    'kpi-latency-hint',
    num(wait.count) === 0
      ? 'no task started yet'
      : `p99 ${duration(p99)} · run ${duration(runP50)}`,
  );
  byId('kpi-latency-hint').title = recent
    ? 'submit → start over the last 5 s; run: assign → complete p50'
    : 'submit → start since the start; run: assign → complete p50';
  const costs = obj(snapshot?.costs);
  setText('kpi-cost', money(num(obj(costs.total).costUsd)));
  const hour = thisHour();
  const hourly = list(costs.hourly).filter((r) => r.hour === hour);
  setText('kpi-cost-hint', `${money(hourly.reduce((n, r) => n + num(r.costUsd), 0))} this hour`);
};
