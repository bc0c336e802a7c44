/**
 * The actor host: folds an actor's subjects from the log (log/) into private state, runs its
 * commands one at a time through a mailbox, snapshots its state, and supervises it. Reading and
 * writing the stream and KV values is log/'s; this folder is about actors only.
 */
export { ActorHost } from './actor-host.ts';
export { restartDelay } from './host-types.ts';
export type { ActorLogic, Executed, HostOptions, Route } from './host-types.ts';
export { Mailbox } from './mailbox.ts';
export {
  DEFAULT_SNAPSHOT_BUCKET,
  formatBytes,
  loadSnapshot,
  saveLoudly,
  Snapshots,
} from './snapshots.ts';
export type { Snapshot } from './snapshots.ts';
export { DivergedError, DivergenceGuard, divergedPause } from './diverged.ts';
export { progressLine, watchProgress } from './catch-up-progress.ts';
export type { CatchUpProgress } from './catch-up-progress.ts';
