/** A deterministic hash in [0, 1) of a text: which tasks fail does not depend on timing. */
export const unit = (text: string): number => {
  let h = 2166136261;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0) / 2 ** 32;
};

/** How a task is meant to end. */
export type Fate = 'poison' | 'bad_input' | 'flaky' | 'fine';

/** How the task `taskId` is meant to end, the same on every run. */
export const fate = (taskId: string): Fate => {
  const u = unit(taskId);
  if (u < 0.01) return 'poison'; // fails every attempt: dead-lettered after the last
  if (u < 0.015) return 'bad_input'; // fails at once, not retryable
  if (u < 0.065) return 'flaky'; // fails its first attempt, then succeeds
  return 'fine';
};
