import type { ProjectionsSnapshot, RejectionView } from '../projections/index.ts';

type Labels = Readonly<Record<string, string>>;

interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: 'gauge' | 'counter' | 'summary';
  readonly samples: readonly {
    readonly name?: string;
    readonly labels: Labels;
    readonly value: number;
  }[];
}

/** Escapes a label value as the text format requires: backslash, double quote, newline. */
const escapeLabel = (value: string): string =>
  value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

const escapeHelp = (text: string): string => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

const formatValue = (value: number): string => {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
};

const formatLabels = (labels: Labels): string => {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
};

const render = (families: readonly Family[]): string =>
  families
    .map((f) =>
      [
        `# HELP ${f.name} ${escapeHelp(f.help)}`,
        `# TYPE ${f.name} ${f.type}`,
        ...f.samples.map(
          (s) => `${s.name ?? f.name}${formatLabels(s.labels)} ${formatValue(s.value)}`,
        ),
      ].join('\n'),
    )
    .join('\n')
    .concat('\n');

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
const rejectionSamples = (view: RejectionView): Family['samples'] =>
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
 * The snapshot in the Prometheus text exposition format (0.0.4). The snapshot is already cut
 * to the reader's scope, so a project token's scrape holds only its project's series.
 */
export const renderMetrics = (snapshot: ProjectionsSnapshot): string => {
  const { fleet, costs, latency, rejections } = snapshot;
  const latencyKinds = [
    ['submit_to_assign', latency.total.submitToAssign],
    ['assign_to_complete', latency.total.assignToComplete],
  ] as const;
  return render([
    {
      name: 'fleet_workers',
      help: 'Workers by project, pool and status (idle and busy are active).',
      type: 'gauge',
      samples: fleet.pools.flatMap((p) =>
        Object.entries(p.workers).map(([status, value]) => ({
          labels: { project: p.project, pool: p.pool, status },
          value,
        })),
      ),
    },
    {
      name: 'fleet_queue_depth',
      help: 'Tasks queued, by project and pool.',
      type: 'gauge',
      samples: fleet.pools.map((p) => ({
        labels: { project: p.project, pool: p.pool },
        value: p.queued,
      })),
    },
    {
      name: 'fleet_queue_oldest_age_seconds',
      help: 'Age of the oldest queued task, by project and pool (0 when the queue is empty).',
      type: 'gauge',
      samples: fleet.pools.map((p) => ({
        labels: { project: p.project, pool: p.pool },
        value: (p.oldestQueuedAgeMs ?? 0) / 1000,
      })),
    },
    {
      name: 'fleet_tasks_total',
      help: 'Tasks by project, pool and current status.',
      type: 'gauge',
      samples: fleet.pools.flatMap((p) =>
        Object.entries(p.tasks).map(([status, value]) => ({
          labels: { project: p.project, pool: p.pool, status },
          value,
        })),
      ),
    },
    {
      name: 'fleet_cost_usd_total',
      help: 'Cost of the reported work in US dollars, by project.',
      type: 'counter',
      samples: costs.byProject.map((c) => ({ labels: { project: c.project }, value: c.costUsd })),
    },
    {
      name: 'fleet_tokens_total',
      help: 'Tokens of the reported work, by project and direction.',
      type: 'counter',
      samples: costs.byProject.flatMap((c) => [
        { labels: { project: c.project, direction: 'in' }, value: c.tokensIn },
        { labels: { project: c.project, direction: 'out' }, value: c.tokensOut },
      ]),
    },
    {
      name: 'fleet_latency_seconds',
      help: 'Latency of tasks: submit to assign (waiting), assign to complete (running).',
      type: 'summary',
      samples: latencyKinds.flatMap(([kind, h]) => [
        ...QUANTILES.flatMap(([quantile, field]) => {
          const ms = h[field];
          return ms === null ? [] : [{ labels: { kind, quantile }, value: ms / 1000 }];
        }),
        {
          name: 'fleet_latency_seconds_sum',
          labels: { kind },
          value: ((h.meanMs ?? 0) * h.count) / 1000,
        },
        { name: 'fleet_latency_seconds_count', labels: { kind }, value: h.count },
      ]),
    },
    {
      name: 'fleet_rejections_total',
      help: 'Refusals by kind (claim, submission, event), reason and project.',
      type: 'counter',
      samples: rejectionSamples(rejections),
    },
  ]);
};
