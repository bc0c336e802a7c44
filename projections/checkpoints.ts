import { createHash } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import type { KV } from '@nats-io/kv';
import { z } from 'zod';
import { DEFAULT_ROOT, DEFAULT_STREAM, UnavailableError } from '../events/index.ts';

/** Name of the checkpoint bucket of the default deployment. */
export const DEFAULT_PROJECTION_BUCKET = 'fleet_projections';

/**
 * The checkpoint bucket of a deployment: `fleet_projections` for the default stream and root,
 * a bucket of its own for any other (checkpoints are keyed by projection name only).
 */
export const projectionBucket = (stream: string, root: string): string =>
  stream === DEFAULT_STREAM && root === DEFAULT_ROOT
    ? DEFAULT_PROJECTION_BUCKET
    : `${DEFAULT_PROJECTION_BUCKET}_${stream}_${root}`.replace(/[^A-Za-z0-9_-]/g, '_');

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

/** Where a checkpoint's bytes are: one of two slots, so a save never overwrites the live one. */
const Manifest = z.object({
  slot: z.enum(['a', 'b']),
  chunks: z.number().int().positive(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
type Manifest = z.infer<typeof Manifest>;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Projection checkpoints in a KV bucket, one key per projection. A checkpoint is the JSON of
 * `{ version, position, origin, state }`, split into chunks that fit a KV value (states grow
 * past one value), written to the slot the manifest does not point at, then the manifest —
 * so a crash mid-save leaves the previous checkpoint whole. Loading checks the digest, the
 * envelope and the state's schema; anything wrong means "fold from the start".
 */
export class ProjectionCheckpoints {
  private constructor(
    private readonly kv: KV,
    /** Largest chunk, in bytes. */
    readonly chunkBytes: number,
  ) {}

  /** Opens (or creates) the bucket. `chunkBytes` (default: what one KV value holds) is for tests. */
  static async open(
    nc: NatsConnection,
    bucket: string = DEFAULT_PROJECTION_BUCKET,
    options: { chunkBytes?: number } = {},
  ): Promise<ProjectionCheckpoints> {
    try {
      const kv = await new Kvm(nc).create(bucket, { history: 1 });
      const status = await kv.status();
      const payload = nc.info?.max_payload ?? 1024 * 1024;
      const max = status.maxValueSize > 0 ? Math.min(status.maxValueSize, payload) : payload;
      const fits = Math.max(1024, max - 4096);
      return new ProjectionCheckpoints(kv, Math.min(fits, options.chunkBytes ?? fits));
    } catch (cause) {
      throw new UnavailableError(`cannot open checkpoint bucket ${bucket}`, { cause });
    }
  }

  async #manifest(key: string): Promise<Manifest | undefined> {
    const entry = await this.kv.get(key);
    if (entry === null || entry.operation !== 'PUT' || entry.value.length === 0) return undefined;
    try {
      const parsed = Manifest.safeParse(entry.json<unknown>());
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
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
    try {
      const manifest = await this.#manifest(key);
      if (manifest === undefined) return undefined;
      const bytes = new Uint8Array(manifest.bytes);
      let offset = 0;
      for (let i = 0; i < manifest.chunks; i += 1) {
        const chunk = await this.kv.get(`${key}.${manifest.slot}.${i}`);
        if (chunk === null || chunk.operation !== 'PUT') return undefined;
        if (offset + chunk.value.length > bytes.length) return undefined;
        bytes.set(chunk.value, offset);
        offset += chunk.value.length;
      }
      if (offset !== manifest.bytes || sha256(bytes) !== manifest.sha256) return undefined;
      const envelope = Envelope.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
      if (!envelope.success || envelope.data.version !== version) return undefined;
      const state = schema.safeParse(envelope.data.state);
      return state.success ? { ...envelope.data, state: state.data } : undefined;
    } catch (cause) {
      if (cause instanceof SyntaxError) return undefined;
      throw new UnavailableError(`cannot read checkpoint ${key}`, { cause });
    }
  }

  /** Saves a checkpoint (already serialised with {@link serialise}, so it is taken at one instant). */
  async save(key: string, bytes: Uint8Array): Promise<void> {
    try {
      const previous = await this.#manifest(key);
      const slot = previous?.slot === 'a' ? 'b' : 'a';
      const chunks = Math.max(1, Math.ceil(bytes.length / this.chunkBytes));
      for (let i = 0; i < chunks; i += 1)
        await this.kv.put(
          `${key}.${slot}.${i}`,
          bytes.subarray(i * this.chunkBytes, (i + 1) * this.chunkBytes),
        );
      const manifest: Manifest = { slot, chunks, bytes: bytes.length, sha256: sha256(bytes) };
      await this.kv.put(key, JSON.stringify(manifest));
    } catch (cause) {
      throw new UnavailableError(`cannot save checkpoint ${key}`, { cause });
    }
  }

  /** Forgets the checkpoint of `key`. */
  async remove(key: string): Promise<void> {
    await this.kv.purge(key);
  }
}

/** The bytes of a checkpoint, taken now (the state may change right after). */
export const serialise = <S>(checkpoint: Checkpoint<S>): Uint8Array =>
  new TextEncoder().encode(JSON.stringify(checkpoint));
