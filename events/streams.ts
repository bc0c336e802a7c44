import { DEFAULT_ROOT, DEFAULT_STREAM } from './names.ts';
import { subjects } from './subjects.ts';
import type { PoolId, ProjectId } from './ids.ts';
import { MAX_MESSAGE_BYTES } from './codec.ts';

export { DEFAULT_STREAM } from './names.ts';

/** Window in which JetStream drops a message whose `Nats-Msg-Id` it has already stored. */
export const DEDUPE_WINDOW_MS = 2 * 60_000;

/**
 * Configuration of the one event stream. By default it keeps everything (the log is the truth):
 * no age, size or count limit unless the operator sets `limits`; file storage, dedupe by message id, direct get for snapshots' tails, and
 * the contract's message size limit enforced by the server too. Purging the stream and
 * deleting its messages are refused by the server itself, whoever asks: nats-server 2.9.10
 * honours both flags, and a stream update sets but never clears them (checked in
 * log/event-log.int.test.ts). The head goes only through limits an operator sets.
 */
export const streamConfig = (
  options: { name?: string; root?: string; replicas?: number; limits?: StreamLimits } = {},
) => ({
  name: options.name ?? DEFAULT_STREAM,
  subjects: [subjects(options.root ?? DEFAULT_ROOT).all()],
  storage: 'file' as const,
  retention: 'limits' as const,
  ...streamLimitsConfig(options.limits ?? {}),
  max_msg_size: MAX_MESSAGE_BYTES,
  allow_direct: true,
  deny_purge: true,
  deny_delete: true,
  num_replicas: options.replicas ?? 1,
});

/**
 * How long and how large the stream may grow: an operator's choice (`fleet up --max-age
 * --max-bytes`), none by default. Past a limit the server removes the oldest messages: the head
 * of the log, never a gap (purge and delete stay refused).
 */
export interface StreamLimits {
  /** Messages older than this (ms) are removed. */
  readonly maxAgeMs?: number;
  /** Past this many bytes, the oldest messages are removed. */
  readonly maxBytes?: number;
}

/**
 * The JetStream fields of `limits`: `max_age` in nanoseconds, `max_bytes`, and the discard
 * policy (and the dedupe window, at most the age limit). With a byte limit the oldest messages go (`old`), so a full stream keeps taking appends;
 * without one, `new`: nothing is ever removed for size. Each is honoured by nats-server 2.9.10
 * (log/stream-limits.int.test.ts); 0 and -1 are JetStream's "no limit".
 */
export const streamLimitsConfig = (limits: StreamLimits) => ({
  discard: limits.maxBytes === undefined ? ('new' as const) : ('old' as const),
  max_age: (limits.maxAgeMs ?? 0) * 1_000_000,
  max_bytes: limits.maxBytes ?? -1,
  // The server refuses a duplicate window longer than the age limit.
  duplicate_window: Math.min(DEDUPE_WINDOW_MS, limits.maxAgeMs ?? DEDUPE_WINDOW_MS) * 1_000_000,
});

/** The limits a stream's configuration sets (what {@link streamLimitsConfig} wrote). */
export const streamLimitsOf = (config: { max_age: number; max_bytes: number }): StreamLimits => ({
  ...(config.max_age > 0 ? { maxAgeMs: Math.round(config.max_age / 1_000_000) } : {}),
  ...(config.max_bytes > 0 ? { maxBytes: config.max_bytes } : {}),
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
