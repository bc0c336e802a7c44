import { FleetError, UnavailableError } from '../../events/index.ts';
import { emit } from './transition-kit.ts';
import type { Effects } from './transition-kit.ts';
import type { WorkerLifecycleEvent } from './worker-lifecycle-event.ts';
import type { WorkerState } from './worker-state.ts';

// How the worker leaves cleanly; `transition`'s `settle` moves it from finishing to leaving.

/**
 * Begins a drain: announces it and claims no more. Only a running worker drains. A drain the
 * log already holds (an operator's `fleet workers drain`, told by a claim refused as
 * `worker_draining`) is not announced again: a second `worker.draining` would be a refusal.
 */
export const drain = (
  s: WorkerState,
  now: number,
  fx: Effects,
  recorded: 'announce' | 'recorded' = 'announce',
): WorkerState => {
  if (s.life.status !== 'running') return s;
  emit(fx, { type: 'draining' });
  fx.push({ type: 'stop_claims' });
  // The claim under way is still answered: what it assigns is this worker's to run.
  const claims = s.claims.status === 'asking' ? s.claims : { ...s.claims, status: 'over' as const };
  if (recorded === 'recorded')
    return { ...s, life: { status: 'draining', step: 'finishing' }, claims };
  fx.push({ type: 'append', what: 'draining', at: now });
  return { ...s, life: { status: 'draining', step: 'announcing' }, claims };
};

/** The outcome of appending `worker.draining` or `worker.left`. */
export const appended = (
  s: WorkerState,
  what: 'draining' | 'left',
  failure: { readonly error: unknown } | undefined,
  fx: Effects,
): WorkerState => {
  const told: WorkerLifecycleEvent | undefined =
    failure !== undefined
      ? { type: 'append_failed', what, error: failure.error }
      : what === 'left'
        ? { type: 'left' }
        : undefined;
  const { life } = s;
  // A drain cut short by a hard stop still tells how its last append went, and nothing more.
  if (life.status === 'stopping' || life.status === 'ended') {
    if (told !== undefined) emit(fx, told);
    return s;
  }
  if (life.status !== 'draining' || life.step !== (what === 'draining' ? 'announcing' : 'leaving'))
    return s;
  if (told !== undefined) emit(fx, told);
  if (what === 'draining') return { ...s, life: { status: 'draining', step: 'finishing' } };
  const error =
    failure === undefined
      ? undefined
      : failure.error instanceof FleetError
        ? failure.error
        : new UnavailableError('worker.left was not stored', { cause: failure.error });
  fx.push({ type: 'stop_beats' });
  return { ...s, life: { status: 'closing', error }, beats: { ...s.beats, status: 'stopped' } };
};
