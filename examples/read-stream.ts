import type { EventLog, TailItem } from '../log/index.ts';

/**
 * Reads every message of Fleet's stream, from the first to the last stored when the read
 * starts, in order, each decoded by the codec (unreadable ones as refusals): what an auditor
 * folds to check the fleet's history. The read is an ordered consumer, which leaves no
 * server-side state behind.
 */
export const readStream = async (log: EventLog): Promise<TailItem[]> => {
  const items: TailItem[] = [];
  const last = await log.lastSeq();
  if (last === 0) return items;
  let reachedLast: () => void = () => undefined;
  const reached = new Promise<void>((resolve) => {
    reachedLast = resolve;
  });
  const tail = await log.tail(log.subjects.all(), 1, (item) => {
    if (item.entry.seq > last) return;
    items.push(item);
    if (item.entry.seq === last) reachedLast();
  });
  try {
    await Promise.race([reached, tail.done]);
  } finally {
    await tail.stop();
  }
  return items;
};
