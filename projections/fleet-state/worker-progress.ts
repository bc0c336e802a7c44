import type { DispatchState, WorkerState } from '../../domain/pool/index.ts';

/** The latest progress of one attempt a worker holds, as the HUD shows it. */
export interface AttemptProgressView {
  readonly taskId: string;
  readonly attempt: number;
  readonly done?: number;
  readonly total?: number;
  readonly message?: string;
  /** Stream time of the report. */
  readonly at: number;
}

/** What the attempts `w` holds last reported of their progress (those that reported any). */
export const workerProgress = (ps: DispatchState, w: WorkerState): AttemptProgressView[] =>
  w.held.flatMap((key) => {
    const p = ps.progress[key];
    const task = ps.tasks.get(key);
    if (p === undefined || task?.status !== 'assigned' || task.attempt !== p.attempt) return [];
    return [
      {
        taskId: task.id,
        attempt: p.attempt,
        ...(p.done === undefined ? {} : { done: p.done }),
        ...(p.total === undefined ? {} : { total: p.total }),
        ...(p.message === undefined ? {} : { message: p.message }),
        at: p.at,
      },
    ];
  });
