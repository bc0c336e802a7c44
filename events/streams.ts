import { DEFAULT_ROOT, DEFAULT_STREAM } from './names.ts';
import { subjects } from './subjects.ts';
import type { PoolId, ProjectId } from './ids.ts';
import { MAX_MESSAGE_BYTES } from './codec.ts';

export { DEFAULT_STREAM } from './names.ts';

/** Window in which JetStream drops a message whose `Nats-Msg-Id` it has already stored. */
export const DEDUPE_WINDOW_MS = 2 * 60_000;

/**
 * Configuration of the one event stream. It keeps everything (the log is the truth): no age
 * or count limit, file storage, dedupe by message id, direct get for snapshots' tails, and
 * the contract's message size limit enforced by the server too. Purging the stream and
 * deleting its messages are refused by the server itself, whoever asks: nats-server 2.9.10
 * honours both flags, and a stream update sets but never clears them (checked in
 * log/event-log.int.test.ts). The head goes only through limits an operator sets.
 */
export const streamConfig = (
  options: { name?: string; root?: string; replicas?: number } = {},
) => ({
  name: options.name ?? DEFAULT_STREAM,
  subjects: [subjects(options.root ?? DEFAULT_ROOT).all()],
  storage: 'file' as const,
  retention: 'limits' as const,
  discard: 'new' as const,
  max_msg_size: MAX_MESSAGE_BYTES,
  duplicate_window: DEDUPE_WINDOW_MS * 1_000_000,
  allow_direct: true,
  deny_purge: true,
  deny_delete: true,
  num_replicas: options.replicas ?? 1,
});

/** The single filter subject of a pool's dispatcher consumer. */
export const dispatcherFilter = (pool: PoolId, root: string = DEFAULT_ROOT): string =>
  subjects(root).pool(pool);

/** The single filter subject of a tenant's read consumer. */
export const projectFilter = (project: ProjectId, root: string = DEFAULT_ROOT): string =>
  subjects(root).project(project);

/** Headers Fleet sets on appends. */
export const Headers = {
  /** JetStream dedupe id: a submission's task id, a decision's id. */
  msgId: 'Nats-Msg-Id',
  /** Optimistic concurrency on a decision subject. */
  expectedLastSubjectSequence: 'Nats-Expected-Last-Subject-Sequence',
} as const;
