import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { buildSubmission, InvalidInputError } from '../client/index.ts';
import type { TaskInput } from '../client/index.ts';
import type { EventOf } from '../events/index.ts';

/** A line of a task file that became a submission. */
export interface TaskLine {
  /** 1-based line number in the file. */
  readonly line: number;
  readonly event: EventOf<'task.submitted'>;
}

/** A line of a task file that is not a valid task, and why. */
export interface RefusedLine {
  readonly line: number;
  readonly message: string;
}

/** What a task file holds: the submissions of its valid lines, and its refused lines. */
export interface TaskLines {
  readonly tasks: TaskLine[];
  readonly refused: RefusedLine[];
}

/** The task of one line, or why it is not one. */
const taskOf = (
  text: string,
  defaults: { project?: string; pool?: string },
  now: number,
): EventOf<'task.submitted'> | string => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'not a JSON object (one task per line)';
  try {
    return buildSubmission({ ...defaults, ...value } as TaskInput, { now });
  } catch (e) {
    if (e instanceof InvalidInputError) return e.message;
    throw e;
  }
};

/**
 * Reads a file of tasks as NDJSON, one `TaskInput` object per line (`--project` and `--pool`
 * fill in lines that leave them out), and validates every line against the contract, blank
 * lines aside. A line repeating an earlier line's task id in the same project is refused: the
 * fold would drop it silently. Never throws for bad lines; they come back with their numbers.
 */
export const readTaskLines = async (
  input: Readable,
  defaults: { project?: string; pool?: string },
  now: number,
): Promise<TaskLines> => {
  const tasks: TaskLine[] = [];
  const refused: RefusedLine[] = [];
  const seen = new Map<string, number>();
  let line = 0;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    line += 1;
    if (text.trim() === '') continue;
    const task = taskOf(text, defaults, now);
    if (typeof task === 'string') {
      refused.push({ line, message: task });
      continue;
    }
    const key = `${task.data.project}/${task.data.taskId}`;
    const first = seen.get(key);
    if (first !== undefined) {
      refused.push({ line, message: `task ${task.data.taskId} is already on line ${first}` });
      continue;
    }
    seen.set(key, line);
    tasks.push({ line, event: task });
  }
  return { tasks, refused };
};
