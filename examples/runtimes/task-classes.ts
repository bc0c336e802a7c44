import type { RuntimeKind, RuntimeTemplateInput, TaskId } from '../../events/index.ts';
import type { TaskInput } from '../../client/index.ts';

export const PROJECT = 'acme';
export const POOL = 'mixed';

/** A class of tasks: what they ask for, and the runtime that should run them. */
export interface TaskClass {
  readonly name: string;
  readonly count: number;
  readonly what: string;
  readonly expect: RuntimeKind;
  readonly input: (i: number) => TaskInput;
}

const task = (cls: string, i: number, over: Partial<TaskInput>): TaskInput => ({
  project: PROJECT,
  pool: POOL,
  taskId: `${cls}-${i}` as TaskId,
  payload: { cls, i },
  ...over,
});

/** The classes: the same pool, different needs. */
export const TASK_CLASSES: readonly TaskClass[] = [
  {
    name: 'plain',
    count: 4,
    what: 'asks for a process worker',
    expect: 'process',
    input: (i) => task('plain', i, { requirements: { runtimes: ['process'] }, timeoutMs: 10_000 }),
  },
  {
    name: 'short',
    count: 4,
    what: 'lambda or docker, 10 s, no memory need',
    expect: 'lambda',
    input: (i) =>
      task('short', i, { requirements: { runtimes: ['lambda', 'docker'] }, timeoutMs: 10_000 }),
  },
  {
    name: 'long',
    count: 2,
    what: 'lambda or docker, 2 min lease',
    expect: 'docker',
    input: (i) =>
      task('long', i, { requirements: { runtimes: ['lambda', 'docker'] }, timeoutMs: 120_000 }),
  },
  {
    name: 'big',
    count: 2,
    what: 'lambda or docker, needs 200 MB',
    expect: 'docker',
    input: (i) =>
      task('big', i, {
        requirements: { runtimes: ['lambda', 'docker'], memoryMb: 200 },
        timeoutMs: 10_000,
      }),
  },
];

/** The pool's runtime templates: a cheap Lambda with tight limits, a dearer container. */
export const templates = (image: string): RuntimeTemplateInput[] => [
  {
    name: 'fn',
    runtime: { kind: 'lambda', maxDurationMs: 60_000, memoryMb: 128 },
    function: 'fleet-task',
    cost: 1,
    maxConcurrent: 4,
  },
  {
    name: 'box',
    runtime: { kind: 'docker', memoryMb: 256 },
    image,
    command: ['sh', '-c', 'cat "$FLEET_TASK_FILE" >/dev/null && echo \'{"ranOn":"docker"}\''],
    cost: 3,
    maxConcurrent: 4,
  },
];
