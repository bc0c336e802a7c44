import type { EventOf } from '../../events/index.ts';
import {
  addPending,
  capacityBlock,
  capacityText,
  clearRule,
  limitBlock,
  limitText,
  reservationOf,
  reserve,
  scopeKey,
  scopesOf,
  setRule,
} from '../limits/index.ts';
import type { LimitBlock, LimitedTask, LimitsState, Pending } from '../limits/index.ts';
import { poolCapacityBlock } from './pool-capacity-gate.ts';
import { dequeue } from './queue.ts';
import { rememberRefusedTasks } from './record-refused.ts';
import type { DispatchState, LiveTask, TaskState } from './state.ts';
import { applied, refuse } from './verdict.ts';
import type { Verdict } from './verdict.ts';

/** A live task as its limits see it. */
export const limitedTask = (task: LiveTask): LimitedTask => ({
  key: task.key,
  project: task.demand.project,
  models: task.demand.requirements.models,
});

/** The limit that holds back the next attempt of `task` at `now`, or nothing. */
export const taskLimitBlock = (
  s: DispatchState,
  task: LiveTask,
  now: number,
  pending?: ReadonlyMap<string, Pending>,
): LimitBlock | undefined => {
  const t = limitedTask(task);
  return limitBlock(s.limits, t, reservationOf(s.limits, t), now, pending);
};

/** True when the task asked to fail rather than wait on a limit. */
export const failsFast = (s: DispatchState, task: LiveTask): boolean =>
  s.limits.declared[task.key]?.onLimit === 'fail';

/** Sets, clears or records a refused limit of this pool. */
export const foldLimit = (
  s: DispatchState,
  e: EventOf<'limit.set'> | EventOf<'limit.cleared'> | EventOf<'limit.refused'>,
): Verdict => {
  if (e.data.pool !== s.config.pool)
    return refuse('wrong_pool', `limit is for pool ${e.data.pool}`);
  switch (e.type) {
    case 'limit.set': {
      const { project, pool: _pool, model, capacity, reserves, ...rule } = e.data;
      if (capacity !== undefined) {
        s.limits.capacity = { capacity, reserves: { ...reserves } };
        return applied;
      }
      setRule(s.limits, scopeKey(project, model), project, {
        ...(model === undefined ? {} : { model }),
        ...rule,
      });
      return applied;
    }
    case 'limit.cleared':
      if (e.data.capacity === true) delete s.limits.capacity;
      else clearRule(s.limits, scopeKey(e.data.project, e.data.model));
      return applied;
    case 'limit.refused':
      // The operator's refused attempt is recorded by the log itself; nothing changes.
      return applied;
    default: {
      const never: never = e;
      return never;
    }
  }
};

/** What a submission (or a redrive) says about its task: `task.submitted`'s data. */
type Submission = EventOf<'task.submitted'>['data'];

/**
 * Why a submission's declared maximum can never run under the limits in force (larger than a
 * whole budget or a minute's token rate), or nothing.
 */
export const declaredTooLarge = (
  limits: LimitsState,
  d: Submission,
  key: string,
): string | undefined => {
  const max = d.maxSpend;
  if (max === undefined) return undefined;
  const task = { key, project: d.project, models: d.requirements.models };
  for (const scope of scopesOf(limits, task)) {
    const rule = limits.rules[scope];
    const whole = `the whole ${scope} budget`;
    if (max.usd !== undefined && rule?.budget?.usd !== undefined && max.usd > rule.budget.usd)
      return `maxSpend.usd ${max.usd} is more than ${whole} ($${rule.budget.usd})`;
    if (
      max.tokens !== undefined &&
      rule?.budget?.tokens !== undefined &&
      max.tokens > rule.budget.tokens
    )
      return `maxSpend.tokens ${max.tokens} is more than ${whole} (${rule.budget.tokens} tokens)`;
    const perMinute = rule?.rate?.tokensPerMinute;
    if (max.tokens !== undefined && perMinute !== undefined && max.tokens > perMinute)
      return `maxSpend.tokens ${max.tokens} is more than the ${scope} rate of ${perMinute} tokens a minute`;
  }
  return undefined;
};

/**
 * Refuses a submission whose declared maximum is more than a whole budget (it could never
 * run), remembering it for its producer; checked before the task is admitted.
 */
export const refuseUnrunnable = (
  s: DispatchState,
  d: Submission,
  key: string,
  seq: number,
): Verdict => {
  const tooLarge = declaredTooLarge(s.limits, d, key);
  if (tooLarge === undefined) return applied;
  // Its producer is told (`fleet submit --wait`, `fleet status`): it could never run.
  rememberRefusedTasks(s, [key], seq, tooLarge);
  return refuse('over_limit', tooLarge);
};

/** Keeps what an admitted task declared about its spend, if anything (admit-task.ts). */
export const declareSpend = (s: DispatchState, d: Submission, key: string): void => {
  const { maxSpend, onLimit } = d;
  if (maxSpend === undefined && onLimit === undefined) return;
  s.limits.declared[key] = { ...maxSpend, ...(onLimit === undefined ? {} : { onLimit }) };
};

/**
 * Ends a fail-fast task because a limit binds it, through `finish`: only a queued task that
 * asked to fail, and only when a limit binds it at this position.
 */
export const overLimit = (
  s: DispatchState,
  task: TaskState,
  at: number,
  finish: (task: LiveTask) => void,
): Verdict => {
  if (task.status !== 'queued') return refuse('task_not_queued', `task is ${task.status}`);
  if (!failsFast(s, task)) return refuse('reason_unfounded', 'the task waits on limits');
  if (taskLimitBlock(s, task, at) === undefined)
    return refuse('reason_unfounded', `no limit binds task ${task.id} now`);
  dequeue(s, task);
  finish(task);
  return applied;
};

/** Reserves the next attempt of `task` against its limits, or refuses it when one binds. */
export const admit = (s: DispatchState, task: LiveTask, attempt: number, at: number): Verdict => {
  const block = taskLimitBlock(s, task, at);
  if (block !== undefined) return refuse('over_limit', blockText(block));
  // Only the capacity itself: other projects' queues may have changed since the decision.
  const full = capacityBlock(s.limits, task.demand.project);
  if (full !== undefined) return refuse('over_limit', capacityText(full));
  const t = limitedTask(task);
  reserve(s.limits, t, attempt, reservationOf(s.limits, t), at);
  return applied;
};

/**
 * The dispatcher's gate for the next attempt of `task` in a round: `go` (its reservation
 * joins the round's `pending`), `wait` on a limit, or the event ending a fail-fast task.
 */
export const limitGate = (
  s: DispatchState,
  task: LiveTask,
  now: number,
  pending: Map<string, Pending>,
  started: Map<string, number> = new Map(),
): 'go' | 'wait' | EventOf<'task.over_limit'> => {
  const t = limitedTask(task);
  const amount = reservationOf(s.limits, t);
  const block = limitBlock(s.limits, t, amount, now, pending);
  if (block === undefined) {
    // The pool's capacity is shared, not the project's: its task waits, never fails fast.
    if (poolCapacityBlock(s, t.project, started) !== undefined) return 'wait';
    addPending(pending, scopesOf(s.limits, t), amount);
    started.set(t.project, (started.get(t.project) ?? 0) + 1);
    return 'go';
  }
  if (!failsFast(s, task)) return 'wait';
  const { id: taskId, demand } = task;
  return {
    type: 'task.over_limit',
    data: { taskId, project: demand.project, pool: demand.pool, reason: blockText(block) },
    meta: { at: now },
  };
};

/** The text of the limit that binds `task` now, for a fail-fast end or a refused assignment. */
export const blockText = (b: LimitBlock): string => limitText(b).slice(0, 512);
