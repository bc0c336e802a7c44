import { describe, expect, it } from 'vitest';
import { progressBar } from './progress-bar.ts';

describe('progressBar', () => {
  it('draws in place by sequence and erases itself', () => {
    const out: string[] = [];
    const bar = progressBar((t) => out.push(t), {
      firstSeq: 1,
      lastSeq: 1000,
      label: 'audit',
      everyMs: 0,
    });
    for (let seq = 1; seq <= 1000; seq += 1) bar.update(seq);
    // Checked every 256 messages, and always at the last one.
    expect(out).toHaveLength(4);
    expect(out[0]).toBe(`\raudit [########----------------------]  25%  256 / 1,000 messages`);
    expect(out.at(-1)).toBe(
      `\raudit [##############################] 100%  1,000 / 1,000 messages`,
    );
    bar.done();
    expect(out.at(-1)).toBe(`\r${' '.repeat(67)}\r`);
  });

  it('redraws at most every `everyMs`, whatever the rate', () => {
    const out: string[] = [];
    const bar = progressBar((t) => out.push(t), {
      firstSeq: 1,
      lastSeq: 1_000_000,
      label: 'audit',
      everyMs: 60_000,
    });
    for (let seq = 1; seq < 1_000_000; seq += 1) bar.update(seq);
    expect(out).toHaveLength(1);
    bar.update(1_000_000);
    expect(out).toHaveLength(2);
  });

  it('writes nothing when it never drew', () => {
    const out: string[] = [];
    progressBar((t) => out.push(t), { firstSeq: 1, lastSeq: 10, label: 'x' }).done();
    expect(out).toEqual([]);
  });
});
