import { boundElsewhere, eligible, limitGate, queuedInOrder, taskKey } from '../pool/index.ts';
import type { Pending } from '../limits/index.ts';
import type { Demand, DispatchState, LiveLaunch } from '../pool/index.ts';
import type {
  EventOf,
  FleetEvent,
  LaunchIds,
  Provision,
  ProvisionCommand,
  RecordFailure,
  RecordStarted,
  RuntimeTemplate,
} from '../../events/index.ts';
import { chooseRuntime } from './choose-runtime.ts';
import { retryDelay } from './retry-delay.ts';
import type { ProvisionState } from './state.ts';

/** Live workers that fit a demand, and how many of them have room (the fold keeps the counts). */
const fitting = (s: DispatchState, reqSig: string, demand: Demand) => {
  let eligibleWorkers = 0;
  let freeWorkers = 0;
  for (const [capSig, { capability, active, free }] of Object.entries(s.capabilities)) {
    if (active === 0 || capability.project !== demand.project) continue;
    if (!eligible(reqSig, demand, capSig, capability)) continue;
    eligibleWorkers += active;
    freeWorkers += free;
  }
  const bound = boundElsewhere(s, reqSig, (w) => eligible(reqSig, demand, w.capSig, w.capability));
  eligibleWorkers -= bound.active;
  freeWorkers -= bound.free;
  return { eligibleWorkers, freeWorkers };
};

/** A launch still on its way to a task: requested, or its worker enrolled and holding nothing. */
const pending = (s: DispatchState, l: LiveLaunch): boolean =>
  l.status === 'requested' ||
  (l.workerId !== undefined && s.workers[l.workerId]?.held.length === 0);

const provision = (st: ProvisionState, cmd: Provision): FleetEvent[] => {
  const s = st.pool;
  const { now } = cmd.meta;
  const at = { at: now };
  const out: FleetEvent[] = [];
  const live = Object.values(s.launches.live);
  // Launches whose worker never enrolled in time have failed: their templates back off.
  for (const l of live) {
    if (l.status !== 'requested' || now - l.requestedAt <= st.config.startTimeoutMs) continue;
    out.push(failure(st, l, 'start_timeout', 'the launched worker did not enroll in time', now));
  }
  // Those failures go alone: appended per project, a request could otherwise be stored before
  // another project's failure that frees its template's room, and the audit (which judges
  // `maxConcurrent` in stream order) would see one launch too many. The next round launches.
  if (out.length > 0) return out;
  const used = new Map<string, number>();
  for (const l of live) used.set(l.template, (used.get(l.template) ?? 0) + 1);
  const room = (t: RuntimeTemplate) => t.maxConcurrent - (used.get(t.name) ?? 0);
  const retryAt = (t: RuntimeTemplate) => s.launches.backoff[t.name]?.retryAt;
  const ids: LaunchIds[] = [...cmd.data.ids];
  // A task a limit holds back gets no worker launched for it: the launches on their way count
  // against the limits as the dispatcher's round would (limits-fold.ts `limitGate`).
  const reserved = new Map<string, Pending>();
  for (const l of live) {
    const task = s.tasks.get(taskKey(l.project, l.taskId));
    if (pending(s, l) && task?.status === 'queued') limitGate(s, task, now, reserved);
  }
  for (const byDemand of Object.values(s.queues)) {
    for (const [reqSig, queue] of Object.entries(byDemand)) {
      const demand = s.demands[reqSig];
      if (demand === undefined) continue;
      const workers = fitting(s, reqSig, demand);
      // Each launch is for one task; tasks of one demand are alike, so a launch on its way
      // counts for any of them.
      const targeted = new Set<string>();
      let onTheWay = 0;
      for (const l of live)
        if (l.reqSig === reqSig && pending(s, l)) {
          targeted.add(l.taskId);
          onTheWay += 1;
        }
      let need = Object.values(queue).reduce((n, ids) => n + ids.length, 0) - onTheWay;
      for (const { ids: keys } of queuedInOrder(queue)) {
        for (const key of keys) {
          if (need <= 0 || ids.length === 0) break;
          const task = s.tasks.get(key);
          if (task?.status !== 'queued' || targeted.has(task.id)) continue;
          const choice = chooseRuntime(demand, st.config.templates, {
            ...workers,
            room,
            retryAt,
            now,
          });
          if (choice.kind !== 'launch') {
            need = 0;
            break;
          }
          if (limitGate(s, task, now, reserved) !== 'go') continue;
          const next = ids.shift();
          if (next === undefined) break;
          used.set(choice.template.name, (used.get(choice.template.name) ?? 0) + 1);
          need -= 1;
          out.push({
            type: 'launch.requested',
            data: {
              launchId: next.launchId,
              project: task.demand.project,
              pool: task.demand.pool,
              taskId: task.id,
              template: choice.template.name,
              runtime: choice.template.runtime.kind,
              keyId: next.keyId,
              cost: choice.template.cost,
              reason: choice.reason,
              maxConcurrent: choice.template.maxConcurrent,
              foldedSeq: s.position,
            },
            meta: at,
          });
        }
      }
    }
  }
  return out;
};

const failure = (
  st: ProvisionState,
  l: LiveLaunch,
  code: string,
  message: string,
  now: number,
): EventOf<'launch.failed'> => {
  const failures = (st.pool.launches.backoff[l.template]?.failures ?? 0) + 1;
  const { backoffBaseMs, backoffMaxMs } = st.config;
  return {
    type: 'launch.failed',
    data: {
      launchId: l.launchId,
      project: l.project,
      pool: st.config.pool,
      code,
      message: message.slice(0, 1024),
      retryAt: now + retryDelay(failures, backoffBaseMs, backoffMaxMs),
    },
    meta: { at: now },
  };
};

const started = (st: ProvisionState, cmd: RecordStarted): FleetEvent[] => {
  const l = st.pool.launches.live[cmd.data.launchId];
  // A launch that failed meanwhile (it started too late) stays failed: its worker leaves.
  if (l?.status !== 'requested' || l.project !== cmd.data.project) return [];
  return [{ type: 'launch.started', data: cmd.data, meta: { at: cmd.meta.now } }];
};

const failed = (st: ProvisionState, cmd: RecordFailure): FleetEvent[] => {
  const l = st.pool.launches.live[cmd.data.launchId];
  if (l?.project !== cmd.data.project) return [];
  return [failure(st, l, cmd.data.code, cmd.data.message, cmd.meta.now)];
};

/**
 * The provisioner's rule: what to launch for the pool's demand, and how launches end. Pure:
 * ids and time come in with the command.
 */
export const decide = (state: ProvisionState, command: ProvisionCommand): FleetEvent[] => {
  switch (command.type) {
    case 'provision':
      return provision(state, command);
    case 'record_started':
      return started(state, command);
    case 'record_failure':
      return failed(state, command);
    default: {
      const never: never = command;
      return never;
    }
  }
};
