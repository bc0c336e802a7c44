import type { Assignment, PoolId, ProjectId, TaskId, WorkerId } from '../../events/index.ts';
import type { WorkerIdentity } from '../../actors/worker/enroll.ts';
import { transition } from '../../actors/worker/transition.ts';
import type { Transition } from '../../actors/worker/transition.ts';
import type { WorkerEffect } from '../../actors/worker/worker-effect.ts';
import type { WorkerEvent } from '../../actors/worker/worker-event.ts';
import { initialState } from '../../actors/worker/worker-state.ts';
import type { WorkerSettings, WorkerState } from '../../actors/worker/worker-state.ts';
import { P, POOL } from './builders.ts';

// Drives the worker's pure machine (`transition`) in specs: no server, no timers.

export const SETTINGS: WorkerSettings = {
  project: P.health as ProjectId,
  pool: POOL as PoolId,
  capacity: 2,
  heartbeatMs: 100,
  maxBackoffMs: 400,
  stopGraceMs: 500,
  enrolledAt: 0,
};

export const IDENTITY: WorkerIdentity = {
  workerId: 'w1' as WorkerId,
  project: SETTINGS.project,
  pool: SETTINGS.pool,
  models: [],
  labels: {},
  exclusive: [],
  runtime: { kind: 'process' },
  capacity: SETTINGS.capacity,
};

/** Feeds `events` in order at time `now`: the last state, and every effect decided on the way. */
export const run = (from: WorkerState, events: readonly WorkerEvent[], now = 1): Transition => {
  let state = from;
  const effects: WorkerEffect[] = [];
  for (const event of events) {
    const next = transition(state, event, now);
    state = next.state;
    effects.push(...next.effects);
  }
  return { state, effects };
};

/** The effects by type; what they tell the listener as `emit:<type>`. */
export const kinds = (effects: readonly WorkerEffect[]): string[] =>
  effects.map((e) => (e.type === 'emit' ? `emit:${e.event.type}` : e.type));

/** The effect of `type` among `effects` (the first), or a failure of the spec. */
export const effect = <T extends WorkerEffect['type']>(
  effects: readonly WorkerEffect[],
  type: T,
): WorkerEffect & { type: T } => {
  const found = effects.find((e): e is WorkerEffect & { type: T } => e.type === type);
  if (found === undefined) throw new Error(`no ${type} effect in ${kinds(effects).join(', ')}`);
  return found;
};

/** An assignment of the worker's own project and pool. */
export const assignment = (taskId: string, over: Partial<Assignment> = {}): Assignment => ({
  taskId: taskId as TaskId,
  project: SETTINGS.project,
  pool: SETTINGS.pool,
  attempt: 1,
  leaseExpiresAt: 1_000,
  timeoutMs: 1_000,
  payload: null,
  ...over,
});

export const started: WorkerEvent = { type: 'started', identity: IDENTITY };
export const beatReply = (
  status: 'active' | 'draining' | 'left' | 'lost' | 'revoked' | 'unknown',
  abort: { taskId: string; attempt: number }[] = [],
): WorkerEvent => ({
  type: 'beat_replied',
  reply: { status, abort: abort.map((a) => ({ ...a, taskId: a.taskId as TaskId })) },
});
export const assigned = (...taskIds: string[]): WorkerEvent => ({
  type: 'claim_replied',
  assignments: taskIds.map((id) => assignment(id)),
});
export const returned = (taskId: string, attempt = 1): WorkerEvent => ({
  type: 'handler_returned',
  taskId: taskId as TaskId,
  attempt,
  outcome: { ok: true, result: {} },
  durationMs: 5,
});
export const stored = (taskId: string, attempt = 1): WorkerEvent => ({
  type: 'report_stored',
  taskId: taskId as TaskId,
  attempt,
  outcome: 'completed',
  durationMs: 5,
  seq: 7,
});

/** A worker the dispatcher knows, with a claim under way for its free slots. */
export const active = (settings: WorkerSettings = SETTINGS): WorkerState =>
  run(initialState(settings), [started, beatReply('active')]).state;

/** An active worker running the handler on `taskIds` (each attempt 1). */
export const holding = (...taskIds: string[]): WorkerState =>
  run(active(), [assigned(...taskIds)]).state;

/** The status of the attempt of `taskId`. */
export const statusOf = (s: WorkerState, taskId: string): string | undefined =>
  s.attempts.find((a) => a.assignment.taskId === taskId)?.status;
