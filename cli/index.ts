/**
 * The `fleet` command line: `buildProgram`/`runCli` (in-process, with injectable output),
 * the parsers of its arguments, the operator reads and writes it performs (`readWorkers`,
 * `readTasks`, `revokeWorker`, `drainWorker`, `submitFile`), its completion scripts and config
 * files, and the local NATS server it starts when none is given (`ensureNats`).
 */
export { buildProgram, runCli, main } from './main.ts';
export { runCaptured } from './run-captured.ts';
export type { CapturedRun } from './run-captured.ts';
export { CliContext, DEFAULT_NATS_URL } from './cli-context.ts';
export type { CredsChoice, GlobalOptions } from './cli-context.ts';
export { processIo } from './cli-io.ts';
export type { CliIo, KeyInput } from './cli-io.ts';
export { parseDuration } from './parse-duration.ts';
export { parseConstraint, CONSTRAINT_FORMS } from './parse-constraint.ts';
export { collect, parseInteger, parseList, parsePayload, parseWeights } from './parse-options.ts';
export { parseLabels } from './parse-labels.ts';
export { readWorkers } from './read-workers.ts';
export type { WorkerRow } from './read-workers.ts';
export { revokeWorker } from './revoke-worker.ts';
export { drainWorker, findWorker } from './drain-worker.ts';
export { matchesFilter, pageOf, readTasks } from './read-tasks.ts';
export type { TaskCursor, TaskFilter, TaskRow } from './read-tasks.ts';
export { readTaskLines } from './task-lines.ts';
export type { RefusedLine, TaskLine, TaskLines } from './task-lines.ts';
export { submitFile } from './submit-file.ts';
export type { FileReport } from './submit-file.ts';
export { completionScript, SHELLS } from './completion-script.ts';
export type { Shell } from './completion-script.ts';
export { withConfigFiles } from './config-file.ts';
export { snapshotBucket } from './snapshot-bucket.ts';
export { stopSignals } from './stop-signals.ts';
export type { StopSignals } from './stop-signals.ts';
