import type { EventLog } from '../log/index.ts';

/**
 * The checkpoints a reading command (`costs`, `top`, `fleet hud`) may use: the deployment's
 * projection bucket when it exists, else none (`{ checkpoints: false }`: fold from the start) —
 * a reader never creates a bucket. `fleet up`'s HUD makes it.
 */
export const readerCheckpoints = async (log: EventLog): Promise<{ checkpoints?: false }> => {
  const { projectionBucket } = await import('../projections/index.ts');
  try {
    await log.jsm.streams.info(`KV_${projectionBucket(log.stream, log.subjects.root)}`);
    return {};
  } catch {
    // Missing (or not ours to see): read without checkpoints.
    return { checkpoints: false };
  }
};
