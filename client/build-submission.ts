import { randomUUID } from 'node:crypto';
import {
  encode,
  MAX_JSON_DEPTH,
  MAX_MESSAGE_BYTES,
  TaskLimits,
  TaskSubmitted,
} from '../events/index.ts';
import { notBeforeOf } from './not-before-of.ts';
import type { EventOf } from '../events/index.ts';
import { InvalidInputError } from './invalid-input-error.ts';
import type { TaskInput } from './task-input.ts';

/**
 * Levels of arrays and objects a payload may nest: the codec's limit less the envelope of an
 * event in a batch (`{"batch": [{"data": {"payload": ...`), the deepest a submission travels in.
 */
const MAX_PAYLOAD_DEPTH = MAX_JSON_DEPTH - 4;

/** Whether `value` nests arrays and objects deeper than `max` levels (without recursing). */
const nestsDeeper = (value: unknown, max: number): boolean => {
  const stack: [unknown, number][] = [[value, 1]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [v, depth] = item;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > max) return true;
    for (const x of Object.values(v)) stack.push([x, depth + 1]);
  }
  return false;
};

/** Options of `buildSubmission`. */
export interface BuildSubmissionOptions {
  /** The producer's clock, for `meta.at`. */
  readonly now: number;
  /** Ties the submission to the request that caused it. */
  readonly correlationId?: string;
  /** Put in front of error paths (a batch index). */
  readonly pathPrefix?: string;
}

/**
 * Builds the `task.submitted` event of a task and validates it against the contract, filling in
 * defaults and a random UUID as the task id when none is given. Throws `InvalidInputError`
 * naming the field (relative to the input) when the task is not valid or too large to publish.
 */
export const buildSubmission = (
  input: TaskInput,
  options: BuildSubmissionOptions,
): EventOf<'task.submitted'> => {
  const prefix = options.pathPrefix;
  // Checked first: validating a deeply nested payload would overflow the stack.
  if (nestsDeeper(input.payload, MAX_PAYLOAD_DEPTH))
    throw new InvalidInputError(
      prefix === undefined ? 'payload' : `${prefix}.payload`,
      `invalid task: the payload nests arrays and objects deeper than ${MAX_PAYLOAD_DEPTH} levels`,
    );
  const { delayMs: _delayMs, ...fields } = input;
  const notBefore = notBeforeOf(input, options.now, prefix);
  const parsed = TaskSubmitted.safeParse({
    type: 'task.submitted',
    data: {
      ...fields,
      taskId: input.taskId ?? randomUUID(),
      ...(notBefore === undefined ? {} : { notBefore }),
    },
    meta: {
      at: options.now,
      ...(options.correlationId === undefined ? {} : { correlationId: options.correlationId }),
    },
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const inData = issue?.path[0] === 'data';
    throw InvalidInputError.fromZod(parsed.error, {
      what: 'invalid task',
      skip: inData ? 1 : 0,
      ...(prefix === undefined ? {} : { prefix }),
    });
  }
  const bytes = encode(parsed.data).byteLength;
  if (bytes > MAX_MESSAGE_BYTES)
    throw new InvalidInputError(
      prefix === undefined ? 'payload' : `${prefix}.payload`,
      `invalid task: the submission is ${bytes} bytes, over the ${MAX_MESSAGE_BYTES}-byte limit`,
    );
  const deadlineAt = parsed.data.data.deadlines?.deadlineAt;
  // The dispatcher refuses these too, on the stream's clock; the producer's is told first.
  if (deadlineAt !== undefined && deadlineAt <= options.now)
    throw new InvalidInputError(
      prefix === undefined ? 'deadlines.deadlineAt' : `${prefix}.deadlines.deadlineAt`,
      `invalid task: deadlines.deadlineAt ${new Date(deadlineAt).toISOString()} is in the past`,
    );
  if (deadlineAt !== undefined && deadlineAt - options.now > TaskLimits.maxDeadlineMs)
    throw new InvalidInputError(
      prefix === undefined ? 'deadlines.deadlineAt' : `${prefix}.deadlines.deadlineAt`,
      `invalid task: deadlines.deadlineAt is more than ${TaskLimits.maxDeadlineMs} ms away`,
    );
  return parsed.data;
};
