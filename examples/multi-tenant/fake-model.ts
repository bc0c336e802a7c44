import { setTimeout as sleep } from 'node:timers/promises';
import type { TaskHandler } from '../../actors/worker/index.ts';

/** Fake model work: a few milliseconds per hundred words, tokens and cost reported. */
export const fakeModel =
  (model: string, usdPer1k: number): TaskHandler =>
  async (task) => {
    const { job, words } = task.payload as { job: string; words: number };
    await sleep(10 + words / 10, undefined, { signal: task.signal });
    const tokensIn = Math.round(words * 1.3);
    const tokensOut = Math.round(tokensIn / 4);
    return {
      output: { job, ok: true },
      usage: {
        tokensIn,
        tokensOut,
        costUsd: Number((((tokensIn + tokensOut) / 1000) * usdPer1k).toFixed(6)),
        model,
      },
    };
  };
