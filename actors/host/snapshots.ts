import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import { UnavailableError } from '../../events/index.ts';
import { ChunkedValues, readLines, writeLines } from '../../log/index.ts';
import type { StateCodec } from './host-types.ts';

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

/** First byte of a state in its own format, after the envelope's line: never JSON's. */
const STATE_BYTES = 0;
const encoder = new TextEncoder();
const parseLine = (bytes: Uint8Array): unknown => {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
};

const MIB = 1024 * 1024;
/** A size for people: `312.4 MiB`. */
export const formatBytes = (n: number): string =>
  n >= MIB ? `${(n / MIB).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`;

/**
 * Actor snapshots in a KV bucket (one chunked value per actor), so a restart folds only the
 * tail of the log. A snapshot is written as lines of JSON (see log/json-lines.ts: no string of
 * its whole size is ever built, so it has no size cliff) spanning as many KV values as it
 * needs, to a fresh slot: a crash mid-save leaves the previous one whole, and a torn or corrupt
 * one reads as absent.
 */
export class Snapshots {
  private constructor(
    private readonly values: ChunkedValues,
    /** The KV bucket holding them. */
    readonly bucket: string,
    readonly maxBytes: number,
  ) {}

  /**
   * Opens (or creates) the bucket. `maxBytes` bounds a snapshot (default: none); `chunkBytes`
   * (default: what one KV value holds) is for tests.
   */
  static async open(
    nc: NatsConnection,
    bucket = DEFAULT_SNAPSHOT_BUCKET,
    options: { maxBytes?: number; chunkBytes?: number; replicas?: number } = {},
  ): Promise<Snapshots> {
    const values = await ChunkedValues.open(nc, bucket, {
      ...(options.chunkBytes === undefined ? {} : { chunkBytes: options.chunkBytes }),
      ...(options.replicas === undefined ? {} : { replicas: options.replicas }),
    });
    return new Snapshots(values, bucket, options.maxBytes ?? Number.POSITIVE_INFINITY);
  }

  /**
   * The latest snapshot of `key` if there is a readable one of `version` whose state passes
   * `validate`; anything else means the caller folds from the start of the log.
   */
  async load<S>(
    key: string,
    version: number,
    validate: (state: unknown) => S | undefined,
    options: { codec?: StateCodec<S>; onIgnored?: (why: string) => void } = {},
  ): Promise<Snapshot<S> | undefined> {
    const bytes = await this.values.get(key);
    if (bytes === undefined) return undefined;
    const ignored = (why: string): Snapshot<S> | undefined => {
      options.onIgnored?.(why);
      return undefined;
    };
    // A state in its own format follows one line of envelope; otherwise all of it is lines.
    const newline = bytes.indexOf(10);
    const coded = options.codec !== undefined && bytes[newline + 1] === STATE_BYTES;
    const envelope = SnapshotEnvelope.safeParse(
      coded ? parseLine(bytes.subarray(0, newline)) : readLines(bytes),
    );
    if (!envelope.success) return ignored('it is not readable');
    if (envelope.data.version !== version)
      return ignored(`it is of version ${envelope.data.version}, this code reads ${version}`);
    const raw = coded ? options.codec?.decode(bytes.subarray(newline + 2)) : envelope.data.state;
    const state = raw === undefined ? undefined : validate(raw);
    return state === undefined ? ignored('its state is not readable') : { ...envelope.data, state };
  }

  /**
   * Saves a snapshot of the state as it is at the call (one instant, even if the state moves
   * on); returns its size. Throws an `UnavailableError` saying the size when it is over `maxBytes` or cannot be
   * written.
   */
  async save<S>(key: string, snapshot: Snapshot<S>, codec?: StateCodec<S>): Promise<number> {
    // Taken at the call, before any await; a codec then builds its bytes between turns.
    const state = codec?.encode(snapshot.state);
    const parts =
      state === undefined
        ? writeLines(snapshot as unknown as Record<string, unknown>)
        : [
            encoder.encode(`${JSON.stringify({ ...snapshot, state: {} })}\n`),
            Uint8Array.of(STATE_BYTES),
            ...(await state),
          ];
    const bytes = parts.reduce((n, p) => n + p.length, 0);
    if (bytes > this.maxBytes)
      throw new UnavailableError(
        `snapshot ${key} is ${formatBytes(bytes)}, over its limit of ${formatBytes(this.maxBytes)}`,
      );
    try {
      await this.values.put(key, parts);
    } catch (cause) {
      throw new UnavailableError(
        `cannot write snapshot ${key} (${formatBytes(bytes)}) to bucket ${this.bucket}`,
        { cause },
      );
    }
    return bytes;
  }
}

/**
 * Saves a snapshot; false when it was not written, which is told to `onError` loudly, with the
 * size: a restart then folds the log from an older snapshot, or from the start.
 */
export const saveLoudly = async <S>(
  store: Snapshots,
  key: string,
  snapshot: Snapshot<S>,
  onError: ((error: unknown) => void) | undefined,
  codec?: StateCodec<S>,
): Promise<boolean> => {
  try {
    await store.save(key, snapshot, codec);
    return true;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    onError?.(
      new UnavailableError(
        `the snapshot of ${key} at ${snapshot.position} was NOT saved: ${why}; ` +
          `a restart folds the log from the previous snapshot, or from the start`,
        { cause: e },
      ),
    );
    return false;
  }
};

/**
 * The snapshot an actor boots from, if any, and the stream's last sequence. A snapshot ahead of
 * the stream is of another log (one deleted and created again): it is told and ignored.
 */
export const loadSnapshot = async <S>(
  store: Snapshots | undefined,
  log: { lastSeq(): Promise<number> },
  logic: {
    name: string;
    snapshotVersion: number;
    restore(raw: unknown): S | undefined;
    stateCodec?: StateCodec<S>;
  },
  onError: ((error: unknown) => void) | undefined,
): Promise<{ snapshot: Snapshot<S> | undefined; last: number }> => {
  const snapshot = await store?.load(
    logic.name,
    logic.snapshotVersion,
    (raw) => logic.restore(raw),
    {
      ...(logic.stateCodec === undefined ? {} : { codec: logic.stateCodec }),
      onIgnored: (why) =>
        onError?.(
          new UnavailableError(
            `the snapshot of ${logic.name} is ignored (${why}): folding the log from the start`,
          ),
        ),
    },
  );
  const last = await log.lastSeq();
  if (snapshot === undefined || snapshot.position <= last) return { snapshot, last };
  onError?.(
    new UnavailableError(
      `the snapshot of ${logic.name} at ${snapshot.position} is ahead of the stream ` +
        `(last ${last}): it is not of this log; folding the log from the start`,
    ),
  );
  return { snapshot: undefined, last };
};
