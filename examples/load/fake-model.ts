import { setTimeout as sleep } from 'node:timers/promises';
import { TaskError } from '../../actors/worker/index.ts';
import type { TaskHandler } from '../../actors/worker/index.ts';
import { fate, unit } from './fate.ts';

/** USD per 1,000 tokens. */
const PRICES: Readonly<Record<string, number>> = {
  'llama3-70b': 0.0009,
  'mixtral-8x7b': 0.0006,
  'llama3-8b': 0.0002,
  'mistral-7b': 0.0002,
  'phi-3': 0.0001,
  'gemma-2b': 0.0001,
};

/** Fake inference: a few milliseconds, more for bigger prompts; failures by the task's fate. */
export const fakeModel =
  (models: readonly string[]): TaskHandler =>
  async (task) => {
    const { bytes } = task.payload as { bytes: number };
    const fated = fate(task.taskId);
    await sleep(3 + bytes / 2_048 + unit(`${task.taskId}/${task.attempt}`) * 12, undefined, {
      signal: task.signal,
    });
    if (fated === 'poison') throw new TaskError('model crashed', { code: 'oom' });
    if (fated === 'bad_input')
      throw new TaskError('prompt rejected', { retryable: false, code: 'bad_input' });
    if (fated === 'flaky' && task.attempt === 1)
      throw new TaskError('upstream timeout', { code: 'timeout' });
    const model = models[0] ?? 'llama3-70b';
    const tokensIn = Math.round(bytes / 4) + 20;
    const tokensOut = 50 + Math.round(unit(task.taskId) * 400);
    const costUsd = Number((((tokensIn + tokensOut) / 1000) * (PRICES[model] ?? 0)).toFixed(8));
    return { output: { ok: true }, usage: { tokensIn, tokensOut, costUsd, model } };
  };
