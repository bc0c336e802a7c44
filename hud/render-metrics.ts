import { Counter, Gauge, Registry, Summary } from 'prom-client';
import type { MetricObjectWithValues, MetricValueWithName } from 'prom-client';
import type { ProjectionsSnapshot, RejectionView } from '../projections/index.ts';

type Labels = Record<string, string>;

const QUANTILES = [
  ['0.5', 'p50Ms'],
  ['0.95', 'p95Ms'],
  ['0.99', 'p99Ms'],
] as const;

const REJECTION_KINDS = [
  ['claim', 'claims'],
  ['submission', 'submissions'],
  ['event', 'events'],
] as const;

/** Per project, and for what no project could be told (`project=""`, operators only). */
const rejectionSamples = (view: RejectionView): { labels: Labels; value: number }[] =>
  REJECTION_KINDS.flatMap(([kind, field]) => {
    const known: Record<string, number> = {};
    const rows = view.byProject.flatMap((p) =>
      Object.entries(p[field].byReason).map(([reason, value]) => {
        known[reason] = (known[reason] ?? 0) + value;
        return { labels: { kind, reason, project: p.project }, value };
      }),
    );
    const unknown = Object.entries(view[field].byReason)
      .map(([reason, n]) => ({ reason, value: n - (known[reason] ?? 0) }))
      .filter((r) => r.value > 0)
      .map(({ reason, value }) => ({ labels: { kind, reason, project: '' }, value }));
    return [...rows, ...unknown];
  });

/**
 * Limits per project, pool, model and kind: what is used (spent and reserved) against the
 * maximum, a budget's burn per hour, and the groups of tasks waiting on a limit.
 */
const limitMetrics = (fleet: ProjectionsSnapshot['fleet'], registers: Registry[]): void => {
  const labelNames = ['project', 'pool', 'model', 'limit'] as const;
  const used = new Gauge({
    name: 'fleet_limit_used',
    help: 'Used of a limit now: USD or tokens spent and reserved this period, attempts or tokens in the last minute, attempts running.',
    labelNames,
    registers,
  });
  const max = new Gauge({
    name: 'fleet_limit_max',
    help: 'The maximum of a limit, in the unit of fleet_limit_used.',
    labelNames,
    registers,
  });
  const burn = new Gauge({
    name: 'fleet_limit_burn_per_hour',
    help: 'A budget’s spend per hour since its period (or rolling window) began.',
    labelNames,
    registers,
  });
  const waiting = new Gauge({
    name: 'fleet_waiting_on_limit',
    help: 'Tasks queued behind a limit of their project, by project and pool.',
    labelNames: ['project', 'pool'],
    registers,
  });
  for (const l of fleet.limits) {
    const at = { project: l.project, pool: l.pool, model: l.model ?? '', limit: l.kind };
    used.set(at, l.used);
    max.set(at, l.limit);
    if (l.burnPerHour !== undefined) burn.set(at, l.burnPerHour);
  }
  for (const w of fleet.waiting)
    if (w.reason.kind === 'over_limit') waiting.inc({ project: w.project, pool: w.pool }, w.queued);
};

type SummaryValues = MetricObjectWithValues<MetricValueWithName<string>>;

/**
 * A summary whose quantiles, sum and count were computed by the latency projection: prom-client
 * formats it, but its samples are the projection's rather than observations of this process.
 */
class ProjectedSummary extends Summary {
  #values: MetricValueWithName<string>[] = [];

  set(values: MetricValueWithName<string>[]): void {
    this.#values = values;
  }

  override async get(): Promise<SummaryValues> {
    // This summary observes nothing: its name, help and type, with the projection's values.
    return { ...(await super.get()), values: this.#values };
  }
}

/**
 * The snapshot as Prometheus metrics, through prom-client: one registry per scrape, so each
 * scrape holds exactly the reader's scope (a project token's scrape only its project's series).
 */
export const metricsRegistry = (snapshot: ProjectionsSnapshot): Registry => {
  const { fleet, costs, latency, rejections } = snapshot;
  const registry = new Registry();
  const registers = [registry];

  const workers = new Gauge({
    name: 'fleet_workers',
    help: 'Workers by project, pool and status (idle and busy are active).',
    labelNames: ['project', 'pool', 'status'],
    registers,
  });
  const depth = new Gauge({
    name: 'fleet_queue_depth',
    help: 'Tasks queued, by project and pool.',
    labelNames: ['project', 'pool'],
    registers,
  });
  const oldest = new Gauge({
    name: 'fleet_queue_oldest_age_seconds',
    help: 'Age of the oldest queued task, by project and pool (0 when the queue is empty).',
    labelNames: ['project', 'pool'],
    registers,
  });
  const tasks = new Gauge({
    name: 'fleet_tasks_total',
    help: 'Tasks by project, pool and current status.',
    labelNames: ['project', 'pool', 'status'],
    registers,
  });
  for (const p of fleet.pools) {
    const at = { project: p.project, pool: p.pool };
    for (const [status, value] of Object.entries(p.workers)) workers.set({ ...at, status }, value);
    depth.set(at, p.queued);
    oldest.set(at, (p.oldestQueuedAgeMs ?? 0) / 1000);
    for (const [status, value] of Object.entries(p.tasks)) tasks.set({ ...at, status }, value);
  }

  limitMetrics(fleet, registers);

  const cost = new Counter({
    name: 'fleet_cost_usd_total',
    help: 'Cost of the reported work in US dollars, by project.',
    labelNames: ['project'],
    registers,
  });
  const tokens = new Counter({
    name: 'fleet_tokens_total',
    help: 'Tokens of the reported work, by project and direction.',
    labelNames: ['project', 'direction'],
    registers,
  });
  for (const c of costs.byProject) {
    cost.inc({ project: c.project }, c.costUsd);
    tokens.inc({ project: c.project, direction: 'in' }, c.tokensIn);
    tokens.inc({ project: c.project, direction: 'out' }, c.tokensOut);
  }

  const summary = new ProjectedSummary({
    name: 'fleet_latency_seconds',
    help: 'Latency of tasks: submit to assign (waiting), assign to complete (running).',
    labelNames: ['kind'],
    registers,
  });
  const latencyKinds = [
    ['submit_to_assign', latency.total.submitToAssign],
    ['assign_to_complete', latency.total.assignToComplete],
  ] as const;
  summary.set(
    latencyKinds.flatMap(([kind, h]) => [
      ...QUANTILES.flatMap(([quantile, field]) => {
        const ms = h[field];
        return ms === null ? [] : [{ labels: { kind, quantile }, value: ms / 1000 }];
      }),
      {
        metricName: 'fleet_latency_seconds_sum',
        labels: { kind },
        value: ((h.meanMs ?? 0) * h.count) / 1000,
      },
      { metricName: 'fleet_latency_seconds_count', labels: { kind }, value: h.count },
    ]),
  );

  const refused = new Counter({
    name: 'fleet_rejections_total',
    help: 'Refusals by kind (claim, submission, event), reason and project.',
    labelNames: ['kind', 'reason', 'project'],
    registers,
  });
  for (const { labels, value } of rejectionSamples(rejections)) refused.inc(labels, value);
  return registry;
};

/** The content type of {@link renderMetrics}: the Prometheus text format 0.0.4. */
export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** The snapshot in the Prometheus text exposition format (0.0.4); see {@link metricsRegistry}. */
export const renderMetrics = (snapshot: ProjectionsSnapshot): Promise<string> =>
  metricsRegistry(snapshot).metrics();
