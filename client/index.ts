/**
 * The producer client: submit tasks (one, or many in batches), cancel them, ask where they
 * stand and wait for their outcome. Any NATS client can do the same by publishing the JSON
 * documents of `events/`; this is the TypeScript way, with input validated before publishing.
 */
export { submitTask } from './submit-task.ts';
export type { SubmitOptions, Submitted } from './submit-task.ts';
export { submitTasks } from './submit-tasks.ts';
export { buildSubmission } from './build-submission.ts';
export { chunkSubmissions } from './submission-chunks.ts';
export type { SubmissionChunk } from './submission-chunks.ts';
export type { BuildSubmissionOptions } from './build-submission.ts';
export { cancelTask } from './cancel-task.ts';
export { cancelConfirmed } from './cancel-confirmed.ts';
export type { Cancelled } from './cancel-confirmed.ts';
export { redriveTask } from './redrive-task.ts';
export { taskStatus } from './task-status.ts';
export { awaitTask, EndStatus } from './await-task.ts';
export type { AwaitOptions, TaskOutcome } from './await-task.ts';
export { InvalidInputError } from './invalid-input-error.ts';
export { permissionRefusal } from './permission-refusal.ts';
export { WaitTimeoutError } from './wait-timeout-error.ts';
export { publishStored } from './publish-stored.ts';
export type { ClientOptions } from './client-options.ts';
export type { TaskInput } from './task-input.ts';
export type { TaskRef } from './task-ref.ts';
