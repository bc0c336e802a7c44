import { describe, expect, it } from 'vitest';
import { functionEnding } from './function-ending.ts';

describe('functionEnding', () => {
  it("reads Lambda's timeout in either of its forms", () => {
    expect(
      functionEnding('Unhandled', '{"errorType":"Sandbox.Timedout","errorMessage":"x"}').outcome,
    ).toBe('timed_out');
    expect(
      functionEnding(
        'Unhandled',
        '{"errorMessage":"2026-12-06 RequestId: r Task timed out after 3.00 seconds"}',
      ).outcome,
    ).toBe('timed_out');
  });

  it('reads an out-of-memory end in either of its forms', () => {
    expect(functionEnding('Unhandled', '{"errorType":"Runtime.OutOfMemory"}').outcome).toBe(
      'memory_exceeded',
    );
    expect(
      functionEnding(
        'Unhandled',
        '{"errorType":"Runtime.ExitError","errorMessage":"Runtime exited with error: signal: killed"}',
      ).outcome,
    ).toBe('memory_exceeded');
  });

  it("fails with the function's own error, or the raw body when it is not JSON", () => {
    expect(functionEnding('Handled', '{"errorType":"ValueError","errorMessage":"bad n"}')).toEqual({
      outcome: 'failed',
      detail: 'ValueError: bad n',
    });
    expect(functionEnding('Unhandled', 'not json')).toEqual({
      outcome: 'failed',
      detail: 'Unhandled: not json',
    });
  });
});
