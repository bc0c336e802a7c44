import { RefusedError } from '../../events/index.ts';
import type { FleetError } from '../../events/index.ts';
import { abort, alive, emit } from './transition-kit.ts';
import type { Effects } from './transition-kit.ts';
import type { Attempt, WorkerState } from './worker-state.ts';

// How the worker stops: hard (`fail`, `kill`) and, at the end of any path, `end`.

/** The worker has ended: `done` settles with `error`. */
export const end = (s: WorkerState, error: FleetError | undefined, fx: Effects): WorkerState => {
  emit(fx, error === undefined ? { type: 'ended' } : { type: 'ended', error });
  fx.push({ type: 'end', error });
  return { ...s, life: { status: 'ended', error }, connection: 'steady' };
};

/** Stops claims and heartbeats and aborts every handler; nothing held is reported any more. */
const halt = (s: WorkerState, fx: Effects): WorkerState => {
  fx.push({ type: 'abandon' }, { type: 'stop_claims' }, { type: 'stop_beats' });
  const attempts = s.attempts.map((a): Attempt => {
    switch (a.status) {
      case 'running':
        abort(fx, a, 'worker_stopped', 'the worker stopped');
        return { ...a, status: 'dropped' };
      case 'expired':
      case 'dropped':
        return { ...a, status: 'dropped' };
      case 'reporting':
      case 'abandoned':
        return { ...a, status: 'abandoned' };
      default: {
        const never: never = a.status;
        return never;
      }
    }
  });
  return {
    ...s,
    claims: { ...s.claims, status: 'over' },
    beats: { ...s.beats, status: 'stopped' },
    connection: 'steady',
    attempts,
  };
};

/** Stops hard for `error`; it ends once aborted handlers have returned or the grace is over. */
export const fail = (s: WorkerState, error: FleetError, fx: Effects): WorkerState => {
  if (!alive(s.life)) return s;
  if (error instanceof RefusedError)
    emit(fx, { type: 'refused', reason: error.reason, detail: error.message });
  const halted = halt(s, fx);
  if (halted.attempts.length > 0) fx.push({ type: 'wait_grace', ms: s.settings.stopGraceMs });
  return { ...halted, life: { status: 'stopping', error } };
};

/** Stops hard and ends at once, as a crash would; with the error of a hard stop under way. */
export const kill = (s: WorkerState, fx: Effects): WorkerState => {
  if (s.life.status === 'ended') return s;
  const error = s.life.status === 'stopping' ? s.life.error : undefined;
  const halted = halt(s, fx);
  emit(fx, { type: 'killed' });
  return end(halted, error, fx);
};
