import type { EventOf, FleetEvent, Requirements } from '../../events/index.ts';
import type { AuditLaunch } from './audit-launches.ts';
import type { AuditItem } from './audit-item.ts';
import { auditTaskKey, auditWorkerKey } from './audit-state.ts';
import type { At, AuditState, AuditTask } from './audit-state.ts';
import type { NoEffect } from './no-effect.ts';
import { scopeNote } from './scope-note.ts';
import { unmetRequirements } from './unmet-requirements.ts';
import { violate } from './violate.ts';

type LaunchEvent =
  EventOf<'launch.requested'> | EventOf<'launch.started'> | EventOf<'launch.failed'>;

/** JSON with object keys sorted and the requirement lists in order: equal demands, equal text. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );

/**
 * A task's demand as one string: tasks of equal demands are served by the same workers, and a
 * launched worker takes only tasks of its launch's demand. Stricter than the pool's signature
 * (label constraints keep their order), so a launched worker is never counted for a task it
 * would not take.
 */
const demandOf = (t: AuditTask): string => {
  const r: Requirements = t.requirements;
  return canonical({
    project: t.project,
    pool: t.pool,
    timeoutMs: t.timeoutMs,
    requirements: {
      ...r,
      models: [...(r.models ?? [])].sort(),
      runtimes: [...(r.runtimes ?? [])].sort(),
    },
  });
};

/** Whether a launch still holds room of its template: not failed, its worker not gone. */
const isLive = (s: AuditState, l: AuditLaunch): boolean => {
  if (l.workerId === undefined) return true;
  const status = s.workers.get(auditWorkerKey(l.pool, l.workerId))?.status;
  return status === undefined || status === 'active' || status === 'draining';
};

/**
 * The launch is founded when, as of the sequence the provisioner decided on (`foldedSeq`; the
 * event's own before it when absent): the task was submitted and queued, and no live worker of
 * its project and pool that fits it had room. A task or worker that changed after that sequence
 * is given the benefit of the doubt: it may have been queued, or busy, then.
 */
const checkFounded = (s: AuditState, here: At<EventOf<'launch.requested'>>): void => {
  const d = here.event.data;
  const decidedOn = d.foldedSeq ?? here.seq - 1;
  const what = `launch ${d.launchId} for task ${d.project}/${d.pool}/${d.taskId}`;
  const touched = (key: string) => s.provisioning.touched.get(key) ?? 0;
  const task = s.tasks.get(auditTaskKey(d.project, d.pool, d.taskId));
  if (task === undefined) {
    violate(s, 'launch_unfounded', [here], `${what}: no such task${scopeNote(s)}`);
    return;
  }
  if (task.submitted.seq > decidedOn) {
    violate(
      s,
      'launch_unfounded',
      [task.submitted, here],
      `${what}: decided on seq ${decidedOn}, before the task was submitted`,
    );
    return;
  }
  if (task.status !== 'queued' && touched(task.key) <= decidedOn) {
    violate(s, 'launch_unfounded', [here], `${what}: the task was ${task.status}, not queued`);
    return;
  }
  const demand = demandOf(task);
  const bound = new Map<string, string>();
  for (const l of s.provisioning.live.values())
    if (l.workerId !== undefined) bound.set(auditWorkerKey(l.pool, l.workerId), l.demand);
  for (const [key, w] of s.workers) {
    if (w.pool !== d.pool || w.project !== d.project || w.status !== 'active') continue;
    if (w.held.size >= w.capacity || touched(key) > decidedOn) continue;
    // A launched worker takes only tasks of its own launch's demand.
    const launchedFor = bound.get(key);
    if (launchedFor !== undefined && launchedFor !== demand) continue;
    if (unmetRequirements(task, w).length > 0) continue;
    violate(
      s,
      'launch_unfounded',
      [w.enrolled, task.submitted, here],
      `${what}: worker ${w.workerId} fitted it and had room (${w.held.size} of ${w.capacity} held)`,
    );
    return;
  }
};

const requested = (
  s: AuditState,
  e: EventOf<'launch.requested'>,
  item: AuditItem,
): NoEffect | undefined => {
  const d = e.data;
  const here = { seq: item.seq, event: e };
  const p = s.provisioning;
  if (p.live.has(d.launchId) || p.byKey.has(d.keyId)) {
    violate(
      s,
      'launch_unfounded',
      [here],
      `launch ${d.launchId}: its id or key ${d.keyId} is taken`,
    );
    return 'violation';
  }
  checkFounded(s, here);
  if (d.maxConcurrent !== undefined) {
    const live = [...p.live.values()].filter(
      (l) => l.pool === d.pool && l.template === d.template && isLive(s, l),
    );
    if (live.length >= d.maxConcurrent)
      violate(
        s,
        'launch_over_limit',
        [...live.map((l) => l.requested), here],
        `launch ${d.launchId} from template ${d.template} of pool ${d.pool}: ${live.length} ` +
          `launch(es) of it were live, and it allows ${d.maxConcurrent} at once`,
      );
  }
  const key = s.keys.get(d.keyId);
  if (key !== undefined)
    violate(
      s,
      'launch_key_invalid',
      [key.issued, here],
      `launch ${d.launchId} names key ${d.keyId}, issued before it (a launch's key is its own)`,
    );
  const task = s.tasks.get(auditTaskKey(d.project, d.pool, d.taskId));
  const launch: AuditLaunch = {
    launchId: d.launchId,
    project: d.project,
    pool: d.pool,
    taskId: d.taskId,
    template: d.template,
    keyId: d.keyId,
    requested: here,
    demand: task === undefined ? '' : demandOf(task),
    started: undefined,
    workerId: undefined,
  };
  p.live.set(d.launchId, launch);
  p.byKey.set(d.keyId, launch);
  return undefined;
};

const started = (
  s: AuditState,
  e: EventOf<'launch.started'>,
  item: AuditItem,
): NoEffect | undefined => {
  const d = e.data;
  const here = { seq: item.seq, event: e };
  const l = s.provisioning.live.get(d.launchId);
  const what = `launch ${d.launchId} started with worker ${d.workerId}`;
  if (l?.project !== d.project || l.pool !== d.pool || l.started !== undefined) {
    const why =
      l === undefined
        ? 'no launch.requested (not failed) before it'
        : l.started !== undefined
          ? `it started already at seq ${l.started.seq}`
          : `it was requested for ${l.project}/${l.pool}`;
    violate(s, 'launch_unfounded', [l?.requested, l?.started, here], `${what}: ${why}`);
    return 'violation';
  }
  const worker = s.workers.get(auditWorkerKey(d.pool, d.workerId));
  if (worker?.keyId !== l.keyId)
    violate(
      s,
      'launch_unfounded',
      [l.requested, worker?.enrolled, here],
      `${what}: the worker ${worker === undefined ? 'never enrolled' : `enrolled with key ${worker.keyId}`}, not the launch's key ${l.keyId}`,
    );
  l.started = here;
  l.workerId = d.workerId;
  return undefined;
};

/** The rule of a provisioner's launch events, re-derived (see `ViolationKind.launch*`). */
export const foldLaunch = (
  s: AuditState,
  e: LaunchEvent,
  item: AuditItem,
): NoEffect | undefined => {
  if (s.recording) s.counts.launches[e.type] = (s.counts.launches[e.type] ?? 0) + 1;
  switch (e.type) {
    case 'launch.requested':
      return requested(s, e, item);
    case 'launch.started':
      return started(s, e, item);
    case 'launch.failed': {
      const l = s.provisioning.live.get(e.data.launchId);
      if (l?.project !== e.data.project) return 'invalid_transition';
      s.provisioning.live.delete(e.data.launchId);
      return undefined;
    }
    default: {
      const never: never = e;
      return never;
    }
  }
};

/**
 * A launch's key must be single use and of the launch's project and pool; it is used once, by
 * the launched worker. Judged on the key's events after the launch that names it.
 */
export const checkLaunchKey = (
  s: AuditState,
  e: EventOf<'key.issued'> | EventOf<'key.used'>,
  item: AuditItem,
): void => {
  const l = s.provisioning.byKey.get(e.data.keyId);
  if (l === undefined) return;
  const here = { seq: item.seq, event: e };
  const what = `key ${e.data.keyId} of launch ${l.launchId}`;
  if (e.type === 'key.issued') {
    const d = e.data;
    const problems = [
      ...(d.maxUses === 1 ? [] : [`allows ${d.maxUses} uses`]),
      ...(d.project === l.project ? [] : [`is of project ${d.project}`]),
      ...(d.pool === l.pool ? [] : [`is for pool ${d.pool}`]),
    ];
    if (problems.length > 0)
      violate(s, 'launch_key_invalid', [l.requested, here], `${what} ${problems.join(', ')}`);
    return;
  }
  if (e.data.use > 1)
    violate(s, 'launch_key_invalid', [l.requested, here], `${what} used ${e.data.use} times`);
};

/** After an event took effect: the task and worker it names changed at `seq`. */
export const touch = (s: AuditState, e: FleetEvent, seq: number): void => {
  const d: Record<string, unknown> = e.data;
  const { pool, project, taskId, workerId } = d;
  if (typeof pool !== 'string') return;
  if (typeof workerId === 'string') s.provisioning.touched.set(auditWorkerKey(pool, workerId), seq);
  if (typeof taskId === 'string' && typeof project === 'string')
    s.provisioning.touched.set(auditTaskKey(project, pool, taskId), seq);
};
