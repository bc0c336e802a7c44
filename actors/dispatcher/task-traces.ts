import { isReadable } from '../../events/index.ts';
import type { LogEntry } from '../../events/index.ts';
import { taskKey } from '../../domain/pool/index.ts';

/** Most tasks whose trace context is kept; the oldest goes first beyond it. */
const MAX_TRACED = 100_000;

/**
 * The trace context each task was submitted with (its message's `traceparent` header), kept
 * beside the fold — never in the folded state, which must stay a function of the events: a
 * dispatcher that restarts from a snapshot has none for the tasks folded before, and their
 * assignments start traces of their own.
 */
export class TaskTraces {
  readonly #byTask = new Map<string, string>();

  /** Learns from one folded message: submissions bring a context, endings drop it. */
  onFold(entry: LogEntry, traceparent: string | undefined): void {
    if (!isReadable(entry)) return;
    for (const e of entry.events) {
      switch (e.type) {
        case 'task.submitted':
          if (traceparent === undefined) break;
          this.#byTask.set(taskKey(e.data.project, e.data.taskId), traceparent);
          if (this.#byTask.size > MAX_TRACED) {
            const oldest = this.#byTask.keys().next();
            if (oldest.done !== true) this.#byTask.delete(oldest.value);
          }
          break;
        case 'task.completed':
        case 'task.cancelled':
        case 'task.dead_lettered':
          this.#byTask.delete(taskKey(e.data.project, e.data.taskId));
          break;
        default:
          break;
      }
    }
  }

  /** The trace context task `taskId` of `project` was submitted with, if any. */
  of(project: string, taskId: string): string | undefined {
    return this.#byTask.get(taskKey(project, taskId));
  }
}
