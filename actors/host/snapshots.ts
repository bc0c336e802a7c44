import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import { ChunkedValues } from './chunked-values.ts';

import { DEFAULT_SNAPSHOT_BUCKET } from '../../events/index.ts';

/** Name of the snapshot bucket unless configured otherwise (the contract names it). */
export { DEFAULT_SNAPSHOT_BUCKET };

/** A saved actor state and where in the log it was taken. */
export interface Snapshot<S> {
  /** Format of the snapshot; a mismatch means "fold from the log instead". */
  readonly version: number;
  readonly position: number;
  readonly subjectSeqs: Record<string, number>;
  readonly state: S;
}

const SnapshotEnvelope = z.object({
  version: z.number().int(),
  position: z.number().int().nonnegative(),
  subjectSeqs: z.record(z.string(), z.number().int().nonnegative()),
  state: z.record(z.string(), z.unknown()),
});

/** Largest snapshot saved unless configured otherwise: past it the log stays the only truth. */
export const DEFAULT_MAX_SNAPSHOT_BYTES = 256 * 1024 * 1024;

/**
 * Actor snapshots in a KV bucket (one chunked value per actor), so a restart folds only the
 * tail of the log. A snapshot spans as many KV values as it needs — a dispatcher's state passes
 * one value (1 MiB) after a few thousand tasks — and a crash mid-save leaves the previous one
 * whole. One over `maxBytes` is skipped: the log stays the truth.
 */
export class Snapshots {
  private constructor(
    private readonly values: ChunkedValues,
    /** The KV bucket holding them. */
    readonly bucket: string,
    readonly maxBytes: number,
  ) {}

  /**
   * Opens (or creates) the bucket. `maxBytes` bounds a snapshot (default 256 MiB); `chunkBytes`
   * (default: what one KV value holds) is for tests.
   */
  static async open(
    nc: NatsConnection,
    bucket = DEFAULT_SNAPSHOT_BUCKET,
    options: { maxBytes?: number; chunkBytes?: number } = {},
  ): Promise<Snapshots> {
    const values = await ChunkedValues.open(nc, bucket, {
      ...(options.chunkBytes === undefined ? {} : { chunkBytes: options.chunkBytes }),
    });
    return new Snapshots(values, bucket, options.maxBytes ?? DEFAULT_MAX_SNAPSHOT_BYTES);
  }

  /**
   * The latest snapshot of `key` if there is a readable one of `version` whose state passes
   * `validate`; anything else means the caller folds from the start of the log.
   */
  async load<S>(
    key: string,
    version: number,
    validate: (state: unknown) => S | undefined,
  ): Promise<Snapshot<S> | undefined> {
    const raw = await this.values.getJson(key);
    const envelope = SnapshotEnvelope.safeParse(raw);
    if (!envelope.success || envelope.data.version !== version) return undefined;
    const state = validate(envelope.data.state);
    return state === undefined ? undefined : { ...envelope.data, state };
  }

  /** Saves a snapshot; returns false when it is larger than `maxBytes`. */
  async save<S>(key: string, snapshot: Snapshot<S>): Promise<boolean> {
    // Serialised at once, so the snapshot is of one instant even if the state moves on.
    const bytes = new TextEncoder().encode(JSON.stringify(snapshot));
    if (bytes.byteLength > this.maxBytes) return false;
    await this.values.put(key, bytes);
    return true;
  }
}
