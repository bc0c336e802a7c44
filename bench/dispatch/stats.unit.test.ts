import { describe, expect, it } from 'vitest';
import { formatTable, ms, num } from './format-table.ts';
import { median, percentile, summarize } from './stats.ts';

describe('bench statistics', () => {
  it('takes percentiles by nearest rank, whatever the input order', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('takes the median of odd and even counts without changing the input', () => {
    const runs = [3, 1, 2];
    expect(median(runs)).toBe(2);
    expect(runs).toEqual([3, 1, 2]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('summarises a latency sample', () => {
    expect(summarize([1, 2, 3, 4])).toEqual({ p50: 2, p90: 4, p99: 4, n: 4 });
    const tenths = Array.from({ length: 10 }, (_, i) => 10 - i);
    expect(summarize(tenths)).toEqual({ p50: 5, p90: 9, p99: 10, n: 10 });
  });
});

describe('bench table', () => {
  it('pads columns, right-aligns numbers and rules the header', () => {
    const text = formatTable(
      ['system', 'tasks/s'],
      [
        ['Fleet', num(12_345)],
        ['BullMQ', num(987)],
      ],
    );
    expect(text.split('\n')).toEqual([
      'system  tasks/s',
      '------  -------',
      'Fleet    12,345',
      'BullMQ      987',
    ]);
  });

  it('prints missing numbers as a dash', () => {
    expect(num(Number.NaN)).toBe('—');
    expect(ms(Number.NaN)).toBe('—');
    expect(ms(1.234)).toBe('1.23');
    expect(ms(12.34)).toBe('12.3');
  });
});
