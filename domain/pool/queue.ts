import type { DispatchState, LiveTask, TaskKey } from './state.ts';

/** Bucket key of a priority (object keys are strings). */
const bucketOf = (priority: number): string => String(priority);

/** Puts a queued task in its demand queue, in submission order within its priority. */
export const enqueue = (state: DispatchState, task: LiveTask): void => {
  const byDemand = (state.queues[task.demand.project] ??= {});
  const queue = (byDemand[task.reqSig] ??= {});
  const bucket = (queue[bucketOf(task.priority)] ??= []);
  const last = bucket.at(-1);
  const lastTask = last === undefined ? undefined : state.tasks.get(last);
  // A fresh submission is the newest task, but a batch's tasks share one sequence: it goes
  // last even on a tie, so a batch keeps its order.
  if (lastTask === undefined || task.attempts === 0 || lastTask.submittedSeq < task.submittedSeq) {
    bucket.push(task.key);
    return;
  }
  // A requeued task keeps its age: binary search for its place.
  let lo = 0;
  let hi = bucket.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const id = bucket[mid];
    const seq = id === undefined ? Infinity : (state.tasks.get(id)?.submittedSeq ?? Infinity);
    if (seq < task.submittedSeq) lo = mid + 1;
    else hi = mid;
  }
  bucket.splice(lo, 0, task.key);
};

/** Takes a task out of its demand queue, dropping queues that become empty. */
export const dequeue = (state: DispatchState, task: LiveTask): void => {
  const byDemand = state.queues[task.demand.project];
  const queue = byDemand?.[task.reqSig];
  const key = bucketOf(task.priority);
  const bucket = queue?.[key];
  if (byDemand === undefined || queue === undefined || bucket === undefined) return;
  // Assignments take from the head, so the search is short in the common case, and shift()
  // there: V8 trims the array's head in place, where splice(0, 1) moves every element (the
  // difference is 25× at a depth of 20,000).
  const i = bucket.indexOf(task.key);
  if (i === 0) bucket.shift();
  else if (i > 0) bucket.splice(i, 1);
  if (bucket.length === 0) delete queue[key];
  if (Object.keys(queue).length === 0) delete byDemand[task.reqSig];
  if (Object.keys(byDemand).length === 0) delete state.queues[task.demand.project];
};

/** The tasks queued under one demand, highest priority first, each priority oldest first. */
export const queuedInOrder = (
  queue: Readonly<Record<string, readonly TaskKey[]>>,
): { priority: number; ids: readonly TaskKey[] }[] =>
  Object.keys(queue)
    .map(Number)
    .sort((a, b) => b - a)
    .map((priority) => ({ priority, ids: queue[String(priority)] ?? [] }));
