/**
 * The benchmark's picture: one SVG with three panels drawn by Vega-Lite from the results the
 * benchmarks wrote — completed tasks/s by worker count (Fleet, BullMQ, raw JetStream), submit →
 * start latency percentiles, and the dispatcher state's memory against queued tasks and workers.
 * A panel whose benchmark has not run says so instead of drawing.
 */
import { parse, View } from 'vega';
import { compile } from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import type { BenchResults } from './bench-results.ts';

/** One panel of the picture, as Vega-Lite types a concatenated view. */
type Panel = Extract<TopLevelSpec, { hconcat: unknown }>['hconcat'][number];

const WIDTH = 300;
const HEIGHT = 220;
/** Legends under their panel, labels whole. */
const LEGEND = { orient: 'bottom', direction: 'vertical', labelLimit: 0 } as const;

/** A panel's title and size. */
const frame = (title: string) => ({ title, width: WIDTH, height: HEIGHT });

/** A panel standing in for a benchmark that has not written its result. */
const missing = (title: string, what: string): Panel => ({
  ...frame(title),
  data: { values: [{ text: `no result: run ${what}` }] },
  mark: { type: 'text', fontSize: 13 },
  encoding: { text: { field: 'text' } },
});

const throughput = (r: BenchResults['dispatch'] | undefined): Panel =>
  r === undefined
    ? missing('Completed tasks/s', 'npm run bench:dispatch')
    : {
        ...frame('Completed tasks/s by worker count (100 slots in all)'),
        data: { values: r.throughput },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'workers', type: 'quantitative', scale: { type: 'log' }, title: 'workers' },
          y: { field: 'tasksPerSecond', type: 'quantitative', title: 'tasks/s' },
          color: { field: 'system', type: 'nominal', title: null, legend: LEGEND },
        },
      };

const latency = (r: BenchResults['dispatch'] | undefined): Panel =>
  r === undefined
    ? missing('Submit → start latency', 'npm run bench:dispatch')
    : {
        ...frame('Submit → start, idle workers (ms)'),
        data: { values: r.latency },
        transform: [{ fold: ['p50', 'p90', 'p99'], as: ['percentile', 'ms'] }],
        mark: 'bar',
        encoding: {
          y: { field: 'system', type: 'nominal', title: null },
          x: { field: 'ms', type: 'quantitative', title: 'ms' },
          yOffset: { field: 'percentile' },
          color: { field: 'percentile', type: 'nominal', title: null, legend: LEGEND },
        },
      };

const memory = (r: BenchResults['memory'] | undefined): Panel =>
  r === undefined
    ? missing('Memory', 'npm run bench:memory')
    : {
        ...frame('Dispatcher state: heap bytes per item'),
        data: {
          values: [
            ...r.perTask.map((p) => ({ ...p, item: 'queued task' })),
            ...r.perWorker.map((p) => ({ ...p, item: 'worker' })),
          ],
        },
        layer: [
          {
            mark: { type: 'line', point: true },
            encoding: {
              x: { field: 'n', type: 'quantitative', scale: { type: 'log' }, title: 'count' },
              y: { field: 'bytes', type: 'quantitative', title: 'bytes each' },
              color: { field: 'item', type: 'nominal', title: null, legend: LEGEND },
            },
          },
          {
            data: {
              values: [
                { goal: 512, item: 'queued task' },
                { goal: 1024, item: 'worker' },
              ],
            },
            mark: { type: 'rule', strokeDash: [4, 4] },
            encoding: {
              y: { field: 'goal', type: 'quantitative' },
              color: { field: 'item', type: 'nominal' },
            },
          },
        ],
      };

/** The Vega-Lite specification of the picture. */
export const benchPictureSpec = (
  results: Partial<BenchResults>,
  caption: string,
): TopLevelSpec => ({
  $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
  title: { text: 'Fleet benchmark', subtitle: caption },
  hconcat: [throughput(results.dispatch), latency(results.dispatch), memory(results.memory)],
  // Each panel has its own colours and legend: systems, percentiles, items.
  resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
  config: { font: 'sans-serif' },
});

/** Draws the picture as an SVG document. */
export const benchPicture = async (
  results: Partial<BenchResults>,
  caption: string,
): Promise<string> => {
  const view = new View(parse(compile(benchPictureSpec(results, caption)).spec), {
    renderer: 'none',
  });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
};
