import type { TaskId, WorkerId } from '../../events/index.ts';
import type { Demand, TaskKey } from './state.ts';

/**
 * What tasks of one kind share: their demand, its signature, priority and attempts allowed. A
 * pool keeps one per kind (`DispatchState.specs`), so a million alike tasks hold one.
 */
export interface TaskSpec {
  readonly demand: Demand;
  readonly reqSig: string;
  readonly priority: number;
  readonly maxAttempts: number;
}

/** Key of a spec in `DispatchState.specs`. */
export const specKey = (reqSig: string, priority: number, maxAttempts: number): string =>
  `${priority}:${maxAttempts}:${reqSig}`;

/** How a task ended. */
export type EndedStatus = 'completed' | 'failed' | 'cancelled' | 'dead_lettered' | 'timed_out';

/**
 * Task records are lean on purpose (a pool may hold millions): only what differs per task is
 * an own field; what tasks share is read through the spec, and the id is the key's tail (a
 * project name holds no `/`). Records are replaced, never changed in place.
 */
abstract class TaskRecord {
  readonly key: TaskKey;
  readonly spec: TaskSpec;
  /** Sequence of the submission: the task's age. */
  readonly submittedSeq: number;
  /** Attempts started so far; the next assignment is attempt `attempts + 1`. */
  readonly attempts: number;
  constructor(key: TaskKey, spec: TaskSpec, submittedSeq: number, attempts: number) {
    this.key = key;
    this.spec = spec;
    this.submittedSeq = submittedSeq;
    this.attempts = attempts;
  }
  get id(): TaskId {
    return this.key.slice(this.spec.demand.project.length + 1) as TaskId;
  }
  get demand(): Demand {
    return this.spec.demand;
  }
  /** The record as plain JSON, every field spelled out (what `fromPlainTask` reads). */
  toJSON(): Record<string, unknown> {
    const plain: Record<string, unknown> = { id: this.id };
    // Getters (status, id, shared fields) live on the prototypes: list them by hand.
    for (const k of PLAIN_FIELDS) if (k in this) plain[k] = (this as Record<string, unknown>)[k];
    return plain;
  }
}

/** Fields of the plain form of a record, in order (those a record has). */
const PLAIN_FIELDS = [
  'status',
  'key',
  'demand',
  'reqSig',
  'priority',
  'payload',
  'maxAttempts',
  'submittedSeq',
  'attempts',
  'workerId',
  'attempt',
  'leaseExpiresAt',
  'assignedSeq',
  'endedSeq',
] as const;

/** A task that may still run: it keeps its payload for the worker. */
abstract class LiveRecord extends TaskRecord {
  readonly payload: unknown;
  constructor(
    key: TaskKey,
    spec: TaskSpec,
    submittedSeq: number,
    attempts: number,
    payload: unknown,
  ) {
    super(key, spec, submittedSeq, attempts);
    this.payload = payload;
  }
  get reqSig(): string {
    return this.spec.reqSig;
  }
  get priority(): number {
    return this.spec.priority;
  }
  get maxAttempts(): number {
    return this.spec.maxAttempts;
  }
}

/** A task waiting for a worker. */
export class QueuedTask extends LiveRecord {
  get status(): 'queued' {
    return 'queued';
  }
}

/** What an assignment adds to a live task. */
export interface Assignment {
  readonly workerId: WorkerId;
  readonly attempt: number;
  readonly leaseExpiresAt: number;
  readonly assignedSeq: number;
}

/** A task whose attempt `attempt` a worker holds (its `attempts` is that attempt). */
export class AssignedTask extends LiveRecord implements Assignment {
  readonly workerId: WorkerId;
  readonly attempt: number;
  readonly leaseExpiresAt: number;
  readonly assignedSeq: number;
  constructor(key: TaskKey, spec: TaskSpec, submittedSeq: number, payload: unknown, a: Assignment) {
    super(key, spec, submittedSeq, a.attempt, payload);
    this.workerId = a.workerId;
    this.attempt = a.attempt;
    this.leaseExpiresAt = a.leaseExpiresAt;
    this.assignedSeq = a.assignedSeq;
  }
  get status(): 'assigned' {
    return 'assigned';
  }
}

/**
 * A task that will not run again: what identifies it and how it ended, no payload (the stream
 * keeps the whole history).
 */
export class EndedTask extends TaskRecord {
  readonly status: EndedStatus;
  readonly endedSeq: number;
  constructor(
    key: TaskKey,
    spec: TaskSpec,
    submittedSeq: number,
    attempts: number,
    ended: { status: EndedStatus; endedSeq: number },
  ) {
    super(key, spec, submittedSeq, attempts);
    this.status = ended.status;
    this.endedSeq = ended.endedSeq;
  }
}
