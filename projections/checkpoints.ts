import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import { ChunkedValues, readLines, writeLines } from '../log/index.ts';
import { DEFAULT_PROJECTION_BUCKET, projectionBucket } from '../events/index.ts';

// The contract names every deployment's buckets; re-exported for the projections' users.
export { DEFAULT_PROJECTION_BUCKET, projectionBucket };

/** A saved projection state and the position of the stream it reflects. */
export interface Checkpoint<S> {
  /** Format of the state; a mismatch means "fold from the start instead". */
  readonly version: number;
  /** Last stream sequence folded into `state`. */
  readonly position: number;
  /** Which stream this is a fold of (its name and creation time): a recreated stream is another. */
  readonly origin: string;
  readonly state: S;
}

const Envelope = z.object({
  version: z.number().int(),
  position: z.number().int().nonnegative(),
  origin: z.string(),
  state: z.unknown(),
});

/**
 * Projection checkpoints in a KV bucket, one key per projection. A checkpoint is
 * `{ version, position, origin, state }` written as lines of JSON (see log/json-lines.ts: no
 * string of its whole size is ever built, so it has no size cliff), stored as a chunked value
 * (states grow past one KV value; a crash mid-save leaves the previous checkpoint whole). One
 * written as a single JSON string reads the same. Loading checks the digest, the envelope and
 * the state's schema; anything wrong means "fold from the start".
 */
export class ProjectionCheckpoints {
  private constructor(private readonly values: ChunkedValues) {}

  /** Largest chunk, in bytes. */
  get chunkBytes(): number {
    return this.values.chunkBytes;
  }

  /** Opens (or creates) the bucket. `chunkBytes` (default: what one KV value holds) is for tests. */
  static async open(
    nc: NatsConnection,
    bucket: string = DEFAULT_PROJECTION_BUCKET,
    options: { chunkBytes?: number; replicas?: number } = {},
  ): Promise<ProjectionCheckpoints> {
    return new ProjectionCheckpoints(await ChunkedValues.open(nc, bucket, options));
  }

  /**
   * The checkpoint of `key` if there is a whole one of `version` whose state `schema` accepts;
   * undefined otherwise (missing, torn, corrupt, older format).
   */
  async load<S>(
    key: string,
    version: number,
    schema: z.ZodType<S>,
  ): Promise<Checkpoint<S> | undefined> {
    const bytes = await this.values.get(key);
    const envelope = Envelope.safeParse(bytes === undefined ? undefined : readLines(bytes));
    if (!envelope.success || envelope.data.version !== version) return undefined;
    const state = schema.safeParse(envelope.data.state);
    return state.success ? { ...envelope.data, state: state.data } : undefined;
  }

  /** Saves a checkpoint (already serialised with {@link serialise}, so it is taken at one instant). */
  async save(key: string, parts: Uint8Array | readonly Uint8Array[]): Promise<void> {
    await this.values.put(key, parts);
  }

  /** Forgets the checkpoint of `key`. */
  async remove(key: string): Promise<void> {
    await this.values.remove(key);
  }
}

/** The bytes of a checkpoint as parts in order, taken now (the state may change right after). */
export const serialise = <S>(checkpoint: Checkpoint<S>): Uint8Array[] =>
  writeLines(checkpoint as unknown as Record<string, unknown>);
