import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import type { KV } from '@nats-io/kv';
import { z } from 'zod';
import { UnavailableError } from '../../events/index.ts';

/** Name of the snapshot bucket unless configured otherwise. */
export const DEFAULT_SNAPSHOT_BUCKET = 'fleet_snapshots';

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

/**
 * Actor snapshots in a KV bucket (one key per actor, history 1), so a restart folds only the
 * tail of the log. A snapshot too large for one value is skipped: the log stays the truth.
 */
export class Snapshots {
  private constructor(
    private readonly kv: KV,
    readonly maxBytes: number,
  ) {}

  /** Opens (or creates) the bucket. */
  static async open(nc: NatsConnection, bucket = DEFAULT_SNAPSHOT_BUCKET): Promise<Snapshots> {
    try {
      const kv = await new Kvm(nc).create(bucket, { history: 1 });
      const status = await kv.status();
      const payload = nc.info?.max_payload ?? 1024 * 1024;
      const max = status.maxValueSize > 0 ? Math.min(status.maxValueSize, payload) : payload;
      return new Snapshots(kv, max - 1024);
    } catch (cause) {
      throw new UnavailableError(`cannot open snapshot bucket ${bucket}`, { cause });
    }
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
    const entry = await this.kv.get(key);
    if (entry === null || entry.operation !== 'PUT' || entry.value.length === 0) return undefined;
    let raw: unknown;
    try {
      raw = entry.json<unknown>();
    } catch {
      return undefined;
    }
    const envelope = SnapshotEnvelope.safeParse(raw);
    if (!envelope.success || envelope.data.version !== version) return undefined;
    const state = validate(envelope.data.state);
    return state === undefined ? undefined : { ...envelope.data, state };
  }

  /** Saves a snapshot; returns false when it is too large to store. */
  async save<S>(key: string, snapshot: Snapshot<S>): Promise<boolean> {
    const bytes = new TextEncoder().encode(JSON.stringify(snapshot));
    if (bytes.byteLength > this.maxBytes) return false;
    await this.kv.put(key, bytes);
    return true;
  }
}
