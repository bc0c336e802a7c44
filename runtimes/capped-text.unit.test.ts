import { describe, expect, it } from 'vitest';
import { CappedText } from './capped-text.ts';

const feed = (text: CappedText, ...parts: string[]) => {
  for (const p of parts) text.push(Buffer.from(p));
  return text;
};

describe('CappedText', () => {
  it('keeps the head of an output and says when it was cut', () => {
    const t = feed(new CappedText(5, 'head'), 'abc', 'def', 'ghi');
    expect([t.text(), t.truncated]).toEqual(['abcde', true]);
    expect(feed(new CappedText(5, 'head'), 'abc').truncated).toBe(false);
  });

  it('keeps the tail of a log, however many chunks arrive', () => {
    const t = new CappedText(4, 'tail');
    for (let i = 0; i < 100; i += 1) t.push(Buffer.from(String(i % 10)));
    expect([t.text(), t.truncated]).toEqual(['6789', true]);
  });
});
