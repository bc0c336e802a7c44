import type { DispatchState, WorkerState } from './state.ts';

/** Adds (+1) or removes (-1) a worker's part in its capability's active and free counts. */
export const count = (s: DispatchState, w: WorkerState, sign: 1 | -1) => {
  const cap = s.capabilities[w.capSig];
  if (cap === undefined || w.status !== 'active') return;
  cap.active += sign;
  if (w.held.length < w.capacity) cap.free += sign;
};

/** Changes a worker (its status or what it holds) keeping the capability counts right. */
export const changeWorker = (s: DispatchState, w: WorkerState, change: () => void) => {
  count(s, w, -1);
  change();
  count(s, w, 1);
};
