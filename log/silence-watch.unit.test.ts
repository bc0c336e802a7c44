import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silenceWatch } from './silence-watch.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the watch for a consumer gone silent', () => {
  it('tells of silence past its bound once, and nothing while heartbeats arrive', () => {
    const told: number[] = [];
    const w = silenceWatch({ heartbeatMs: 100, silentMs: 350, onSilence: (ms) => told.push(ms) });
    for (let i = 0; i < 20; i += 1) {
      vi.advanceTimersByTime(100);
      w.heard();
    }
    expect(told).toEqual([]);
    vi.advanceTimersByTime(400);
    expect(told).toEqual([400]);
    // Told once: the silence is counted again from there.
    vi.advanceTimersByTime(300);
    expect(told).toHaveLength(1);
    w.stop();
    vi.advanceTimersByTime(10_000);
    expect(told).toHaveLength(1);
  });

  it('judges nothing on a check that ran late: the heartbeats may wait unread', () => {
    const told: number[] = [];
    const w = silenceWatch({ heartbeatMs: 100, silentMs: 350, onSilence: (ms) => told.push(ms) });
    // The event loop blocked for a second: the next check comes late, and starts counting anew.
    vi.setSystemTime(Date.now() + 1_000);
    vi.advanceTimersByTime(100);
    expect(told).toEqual([]);
    vi.advanceTimersByTime(300);
    expect(told).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(told).toEqual([400]);
    w.stop();
  });
});
