import { describe, expect, it } from 'vitest';
import { Mailbox } from './mailbox.ts';

describe('a mailbox', () => {
  it('runs one job at a time, in order, even when jobs fail', async () => {
    const box = new Mailbox();
    const trace: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const first = box.post(async () => {
      trace.push('1 start');
      await gate;
      trace.push('1 end');
      return 1;
    });
    const second = box.post(() => {
      trace.push('2');
      throw new Error('boom');
    });
    const third = box.post(() => {
      trace.push('3');
      return 3;
    });
    expect(box.depth).toBe(3);
    release();
    await expect(first).resolves.toBe(1);
    await expect(second).rejects.toThrow('boom');
    await expect(third).resolves.toBe(3);
    expect(trace).toEqual(['1 start', '1 end', '2', '3']);
    await box.idle();
    expect(box.depth).toBe(0);
  });
});
