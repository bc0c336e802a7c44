import { describe, expect, it } from 'vitest';
import { benchPicture } from './bench-picture.ts';
import type { DispatchResult, MemoryResult } from './bench-results.ts';

const dispatch: DispatchResult = {
  at: '2026-12-06T00:00:00.000Z',
  machine: 'test box',
  throughput: [
    { system: 'Fleet', workers: 1, tasksPerSecond: 12_100 },
    { system: 'Fleet', workers: 100, tasksPerSecond: 8_000 },
    { system: 'BullMQ', workers: 1, tasksPerSecond: 15_000 },
    { system: 'BullMQ', workers: 100, tasksPerSecond: 15_000 },
  ],
  latency: [
    { system: 'Fleet 1×100', p50: 0.8, p90: 1.7, p99: 4 },
    { system: 'BullMQ', p50: 0.46, p90: 0.6, p99: 0.93 },
  ],
};
const memory: MemoryResult = {
  at: '2026-12-06T00:00:00.000Z',
  perTask: [
    { n: 10_000, bytes: 190 },
    { n: 1_000_000, bytes: 178 },
  ],
  perWorker: [{ n: 10_000, bytes: 700 }],
};

/** The data points the SVG states in its marks' accessible labels. */
const labels = (svg: string): string[] =>
  [...svg.matchAll(/aria-label="([^"]*)"/g)].map((m) => m[1] ?? '');

describe('the benchmark picture', () => {
  it('draws every throughput, latency and memory point it is given', async () => {
    const svg = await benchPicture({ dispatch, memory }, 'a caption');
    expect(svg.startsWith('<svg')).toBe(true);
    const said = labels(svg);
    expect(said).toContain('workers: 100; tasks/s: 8000; system: Fleet');
    expect(said).toContain('workers: 1; tasks/s: 15000; system: BullMQ');
    expect(said).toContain('ms: 4; system: Fleet 1×100; percentile: p99');
    expect(said).toContain('ms: 0.46; system: BullMQ; percentile: p50');
    expect(said.some((l) => l.includes('count: 1000000') && l.includes('bytes each: 178'))).toBe(
      true,
    );
    expect(said.some((l) => l.includes('count: 10000') && l.includes('item: worker'))).toBe(true);
    expect(svg).toContain('a caption');
    expect(svg).not.toContain('no result');
  });

  it('says which benchmark to run for a panel it has no result for', async () => {
    const svg = await benchPicture({ dispatch }, '');
    expect(svg).toContain('no result: run npm run bench:memory');
    expect(svg).not.toContain('no result: run npm run bench:dispatch');
  });
});
