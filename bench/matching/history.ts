/**
 * The history the folds are timed on: enrollments, then a random mix of submissions, claim
 * rounds (decided on a simulated state, so assignments are real), completions and retries.
 */
import { decide, evolveEntryInPlace, initialState } from '../../domain/pool/index.ts';
import type { FleetEvent, LogEntry, ProjectId, TaskId, WorkerId } from '../../events/index.ts';
import { BASE_TIME, FOLD_EVENTS, FOLD_WORKERS, POOL } from './knobs.ts';
import { chance, int, pick, rng } from './random.ts';
import { validEvent } from './valid-event.ts';
import type { Workload } from './workload.ts';

export interface History {
  readonly entries: LogEntry[];
  /** Events across all entries (an entry may hold several). */
  readonly events: number;
}

export const buildHistory = (w: Workload): History => {
  const sim = initialState({ pool: POOL });
  const entries: LogEntry[] = [];
  let events = 0;
  let seq = 0;
  let nextTask = 0;
  const held: { taskId: TaskId; workerId: WorkerId; project: ProjectId; attempt: number }[] = [];
  const append = (list: FleetEvent[]) => {
    seq += 1;
    const entry: LogEntry = { seq, at: BASE_TIME + seq * 10, events: list };
    evolveEntryInPlace(sim, entry);
    entries.push(entry);
    events += list.length;
  };
  for (let i = 0; i < FOLD_WORKERS; i++) append([w.enroll(i, BASE_TIME)]);
  const workers = Object.values(sim.workers);
  while (events < FOLD_EVENTS) {
    const at = BASE_TIME + (seq + 1) * 10;
    const r = rng();
    if (r < 0.45) {
      append([w.submit(nextTask++, at)]);
    } else if (r < 0.75) {
      const worker = pick(workers);
      const out = decide(sim, {
        type: 'serve_claims',
        data: {
          claims: [
            {
              workerId: worker.id,
              project: worker.capability.project,
              pool: POOL,
              max: 1 + int(4),
            },
          ],
          budget: 1000,
        },
        meta: { now: at },
      }).slice(0, FOLD_EVENTS - events);
      if (out.length === 0) continue;
      for (const e of out)
        if (e.type === 'task.assigned')
          held.push({
            taskId: e.data.taskId,
            workerId: e.data.workerId,
            project: e.data.project,
            attempt: e.data.attempt,
          });
      append(out);
    } else if (held.length > 0) {
      const k = int(held.length);
      const h = held[k];
      const last = held.pop();
      if (h === undefined || last === undefined) continue;
      if (k < held.length) held[k] = last;
      const ref = { ...h, pool: POOL };
      append([
        chance(0.9)
          ? validEvent('task.completed', ref, at)
          : validEvent('task.failed', { ...ref, error: { message: 'transient' } }, at),
      ]);
    }
  }
  const refused = Object.values(sim.rejections.byReason).reduce((a, b) => a + b, 0);
  if (refused > 0) throw new Error(`history build refused ${refused} events`);
  return { entries, events };
};
