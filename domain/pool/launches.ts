import type {
  EventOf,
  FleetEvent,
  KeyId,
  LaunchId,
  ProjectId,
  RuntimeKind,
  TaskId,
  WorkerId,
} from '../../events/index.ts';
import type { LogPosition } from './log-position.ts';
import { taskKey } from './state.ts';
import type { DispatchState, WorkerState } from './state.ts';
import { applied, refuse } from './verdict.ts';
import type { Verdict } from './verdict.ts';

/** A launch of a one-shot worker that has not ended: requested, or its worker enrolled. */
export interface LiveLaunch {
  readonly launchId: LaunchId;
  readonly project: ProjectId;
  readonly taskId: TaskId;
  /** The demand signature of the task it was launched for. */
  readonly reqSig: string;
  readonly template: string;
  readonly runtime: RuntimeKind;
  /** The single-use key its worker enrolls with: how the worker is known before it started. */
  readonly keyId: KeyId;
  /** Stream time of the request. */
  readonly requestedAt: number;
  status: 'requested' | 'started';
  workerId?: WorkerId;
}

/** A template whose last launch failed: no launch from it before `retryAt`. */
export interface LaunchBackoff {
  /** Failures in a row (a started launch resets it). */
  readonly failures: number;
  readonly retryAt: number;
  /** The project of the launch that failed last (who may see why). */
  readonly project: ProjectId;
  /** The demand signature of the launch that failed last: its tasks say they wait for this. */
  readonly reqSig: string;
  readonly runtime: RuntimeKind;
  readonly code: string;
  readonly message: string;
}

/** Why a task got the runtime it did: the launch decided for it. */
export interface RuntimeChoice {
  readonly launchId: LaunchId;
  readonly template: string;
  readonly runtime: RuntimeKind;
  readonly reason: string;
}

/** What a pool knows of launches: kept small (live launches are bounded by the templates). */
export interface LaunchState {
  live: Record<string, LiveLaunch>;
  /** By template name. */
  backoff: Record<string, LaunchBackoff>;
  /** The latest launch decided per task (by task key), the most recent `CHOICES_KEPT`. */
  choices: Record<string, RuntimeChoice>;
  /** Keys of `choices`, oldest first. */
  choiceOrder: string[];
}

/** How many tasks keep the runtime chosen for them (for `fleet status`). */
export const CHOICES_KEPT = 10_000;

/** No launch yet. */
export const initialLaunchState = (): LaunchState => ({
  live: {},
  backoff: {},
  choices: {},
  choiceOrder: [],
});

const requested = (s: DispatchState, e: EventOf<'launch.requested'>, at: LogPosition): Verdict => {
  const d = e.data;
  if (d.pool !== s.config.pool) return refuse('wrong_pool', `launch is for pool ${d.pool}`);
  if (s.launches.live[d.launchId] !== undefined)
    return refuse('duplicate', `launch ${d.launchId} exists`);
  const key = taskKey(d.project, d.taskId);
  const task = s.tasks.get(key);
  if (task === undefined || task.status === 'completed' || task.status === 'failed')
    return refuse('unknown_task', `no live task ${d.taskId} in project ${d.project}`);
  if (task.status === 'cancelled' || task.status === 'dead_lettered')
    return refuse('task_ended', `task ${d.taskId} is ${task.status}`);
  s.launches.live[d.launchId] = {
    launchId: d.launchId,
    project: d.project,
    taskId: d.taskId,
    reqSig: task.spec.reqSig,
    template: d.template,
    runtime: d.runtime,
    keyId: d.keyId,
    requestedAt: at.at,
    status: 'requested',
  };
  if (s.launches.choices[key] === undefined) s.launches.choiceOrder.push(key);
  s.launches.choices[key] = {
    launchId: d.launchId,
    template: d.template,
    runtime: d.runtime,
    reason: d.reason,
  };
  while (s.launches.choiceOrder.length > CHOICES_KEPT) {
    const oldest = s.launches.choiceOrder.shift();
    if (oldest !== undefined) delete s.launches.choices[oldest];
  }
  return applied;
};

const liveOf = (
  s: DispatchState,
  d: { launchId: LaunchId; project: ProjectId },
): LiveLaunch | Verdict => {
  const launch = s.launches.live[d.launchId];
  if (launch === undefined) return refuse('unknown_launch', `no live launch ${d.launchId}`);
  if (launch.project !== d.project)
    return refuse('cross_project', `launch ${d.launchId} is of project ${launch.project}`);
  return launch;
};

const started = (s: DispatchState, e: EventOf<'launch.started'>): Verdict => {
  const launch = liveOf(s, e.data);
  if ('kind' in launch) return launch;
  if (launch.status !== 'requested')
    return refuse('invalid_transition', `launch ${launch.launchId} has started already`);
  launch.status = 'started';
  launch.workerId = e.data.workerId;
  // A launch that worked ends the template's run of failures.
  delete s.launches.backoff[launch.template];
  return applied;
};

const failed = (s: DispatchState, e: EventOf<'launch.failed'>): Verdict => {
  const launch = liveOf(s, e.data);
  if ('kind' in launch) return launch;
  delete s.launches.live[launch.launchId];
  const before = s.launches.backoff[launch.template]?.failures ?? 0;
  s.launches.backoff[launch.template] = {
    failures: before + 1,
    retryAt: e.data.retryAt,
    project: launch.project,
    reqSig: launch.reqSig,
    runtime: launch.runtime,
    code: e.data.code,
    message: e.data.message,
  };
  return applied;
};

/** The pool's rule for a launch event. */
export const foldLaunch = (
  s: DispatchState,
  e: EventOf<'launch.requested'> | EventOf<'launch.started'> | EventOf<'launch.failed'>,
  at: LogPosition,
): Verdict => {
  switch (e.type) {
    case 'launch.requested':
      return requested(s, e, at);
    case 'launch.started':
      return started(s, e);
    case 'launch.failed':
      return failed(s, e);
    default: {
      const never: never = e;
      return never;
    }
  }
};

/**
 * A launched worker that is gone (left after its one task, lost, revoked) ends its launch:
 * the template's room is free again. Called for every applied event.
 */
export const endLaunchOfWorker = (s: DispatchState, e: FleetEvent): void => {
  if (e.type !== 'worker.left' && e.type !== 'worker.lost' && e.type !== 'worker.revoked') return;
  for (const launch of Object.values(s.launches.live))
    if (launch.workerId === e.data.workerId) delete s.launches.live[launch.launchId];
};

/** How launches bear on tasks of demand `reqSig` that no free worker serves, if they do. */
export type LaunchWait =
  | {
      readonly kind: 'launching';
      readonly template: string;
      readonly runtime: RuntimeKind;
      readonly status: LiveLaunch['status'];
      readonly launches: number;
    }
  | {
      readonly kind: 'launch_backoff';
      readonly template: string;
      readonly runtime: RuntimeKind;
      readonly failures: number;
      readonly retryAt: number;
      readonly code: string;
      readonly message: string;
    };

/** A launch under way for the demand, or else the last failed one backing off. */
export const launchWait = (s: DispatchState, reqSig: string): LaunchWait | undefined => {
  const live = Object.values(s.launches.live).filter((l) => l.reqSig === reqSig);
  const first = live[0];
  if (first !== undefined)
    return {
      kind: 'launching',
      template: first.template,
      runtime: first.runtime,
      status: first.status,
      launches: live.length,
    };
  for (const [template, b] of Object.entries(s.launches.backoff))
    if (b.reqSig === reqSig)
      return {
        kind: 'launch_backoff',
        template,
        runtime: b.runtime,
        failures: b.failures,
        retryAt: b.retryAt,
        code: b.code,
        message: b.message,
      };
  return undefined;
};

/** The live launch a worker was launched by (known by its key from its enrollment on). */
export const launchOf = (s: DispatchState, w: WorkerState): LiveLaunch | undefined => {
  for (const l of Object.values(s.launches.live)) if (l.keyId === w.keyId) return l;
  return undefined;
};

/**
 * Whether a worker may take tasks of demand `reqSig`: a worker launched for a demand takes
 * only tasks of it (tasks of one demand are alike), so a dear runtime launched for a task the
 * cheap one cannot serve does not take work the cheap one was launched for.
 */
export const mayServe = (s: DispatchState, w: WorkerState, reqSig: string): boolean => {
  const launch = launchOf(s, w);
  return launch === undefined || launch.reqSig === reqSig;
};

/**
 * Launched workers that fit `reqSig` by their capability but are bound to another demand, and
 * how many of them have room: the capability counts include them, yet they will not take it.
 */
export const boundElsewhere = (
  s: DispatchState,
  reqSig: string,
  fits: (w: WorkerState) => boolean,
): { active: number; free: number } => {
  const n = { active: 0, free: 0 };
  for (const l of Object.values(s.launches.live)) {
    if (l.reqSig === reqSig) continue;
    const w = Object.values(s.workers).find((x) => x.keyId === l.keyId);
    if (w?.status !== 'active' || !fits(w)) continue;
    n.active += 1;
    if (w.held.length < w.capacity) n.free += 1;
  }
  return n;
};
