import { isDraft, original } from 'immer';
import type { EventOf } from '../../events/index.ts';
import { queueTask } from './fold-ready.ts';
import { holdUntilNotBefore } from './fold-not-before.ts';
import { declareSpend } from './limits-fold.ts';
import { demandSignature } from './signatures.ts';
import { taskKey } from './state.ts';
import type { Demand, DispatchState } from './state.ts';
import { QueuedTask, specKey } from './task-records.ts';

/** The object itself, not an immer draft of it (a draft dies with its `produce`). */
export const undrafted = <T extends object>(v: T): T => {
  if (!isDraft(v)) return v;
  const itself: unknown = original(v as never);
  return itself as T;
};

/**
 * Queues a task as `d` describes it, at sequence `seq`, with `attempts` started before: a
 * submission (none), or the redrive of a dead letter (its attempts so far, so that attempt
 * numbers never repeat: they fence reports). The caller has checked that it may (a
 * submission's declared spend: limits-fold.ts `refuseUnrunnable`). Given the stream time
 * `at`, a task whose `notBefore` is ahead waits for it before it joins its queue.
 */
export const admitTask = (
  s: DispatchState,
  d: EventOf<'task.submitted'>['data'],
  seq: number,
  attempts = 0,
  at?: number,
): void => {
  const key = taskKey(d.project, d.taskId);
  const demand: Demand = {
    project: d.project,
    pool: d.pool,
    requirements: d.requirements,
    timeoutMs: d.timeoutMs,
  };
  const reqSig = demandSignature(demand);
  // Tasks of one kind share one spec: a queue of a million alike tasks keeps one demand. Under
  // immer the shared objects are read through drafts: records keep the objects themselves.
  const spec = undrafted(
    (s.specs[specKey(reqSig, d.priority, d.maxAttempts)] ??= {
      demand: undrafted((s.demands[reqSig] ??= demand)),
      reqSig,
      priority: d.priority,
      maxAttempts: d.maxAttempts,
    }),
  );
  const task = new QueuedTask(key, spec, seq, attempts, d.payload);
  s.tasks.set(key, task);
  delete s.digests[key]; // a redriven task is live again: its record has its body
  if (d.retry !== undefined) s.retryPolicies[key] = d.retry;
  declareSpend(s, d, key); // its maxSpend and onLimit, which the limits read
  if (!holdUntilNotBefore(s, key, d.notBefore, at)) queueTask(s, task);
};
