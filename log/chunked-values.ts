import { createHash, randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import type { KV } from '@nats-io/kv';
import { z } from 'zod';
import { UnavailableError } from '../events/index.ts';

/** Where a value's bytes are: a slot of their own, so a write never overwrites the live one. */
const Manifest = z.object({
  slot: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  chunks: z.number().int().positive(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
type Manifest = z.infer<typeof Manifest>;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Values larger than one KV value, in a KV bucket: a value is split into chunks that fit
 * (`<key>.<slot>.<i>`), written to a fresh slot, then the manifest (`<key>`) points at it and
 * the previous slot is purged — so a crash mid-write leaves the previous value whole, and two
 * writers of one key (twin dispatchers) never interleave their chunks: the last manifest wins,
 * whole. Reading checks the length
 * and the SHA-256 digest; a missing, torn or corrupt value reads as absent. Actor snapshots and
 * projection checkpoints both outgrow one value (1 MiB by default) long before memory does.
 */
export class ChunkedValues {
  private constructor(
    private readonly kv: KV,
    /** Largest chunk, in bytes. */
    readonly chunkBytes: number,
  ) {}

  /**
   * Opens (or creates, on `replicas` servers: default 1) the bucket. `chunkBytes` (default: what
   * one KV value holds) is for tests.
   */
  static async open(
    nc: NatsConnection,
    bucket: string,
    options: { chunkBytes?: number; replicas?: number } = {},
  ): Promise<ChunkedValues> {
    try {
      const kv = await new Kvm(nc).create(bucket, { history: 1, replicas: options.replicas ?? 1 });
      const status = await kv.status();
      const payload = nc.info?.max_payload ?? 1024 * 1024;
      const max = status.maxValueSize > 0 ? Math.min(status.maxValueSize, payload) : payload;
      const fits = Math.max(1024, max - 4096);
      return new ChunkedValues(kv, Math.min(fits, options.chunkBytes ?? fits));
    } catch (cause) {
      throw new UnavailableError(`cannot open bucket ${bucket}`, { cause });
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

  /** The whole value of `key`, or undefined when there is none (or it is torn or corrupt). */
  async get(key: string): Promise<Uint8Array | undefined> {
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
      return bytes;
    } catch (cause) {
      throw new UnavailableError(`cannot read ${key}`, { cause });
    }
  }

  /**
   * Writes the value of `key` (given whole, or as parts in order, which need not fit a chunk);
   * the previous value stays readable until the manifest moves to the new one.
   */
  async put(key: string, value: Uint8Array | readonly Uint8Array[]): Promise<void> {
    const parts = value instanceof Uint8Array ? [value] : value;
    try {
      const previous = await this.#manifest(key);
      const slot = randomUUID().replaceAll('-', '');
      const hash = createHash('sha256');
      let chunks = 0;
      let bytes = 0;
      const buffer = new Uint8Array(this.chunkBytes);
      let filled = 0;
      const flush = async () => {
        await this.kv.put(`${key}.${slot}.${chunks}`, buffer.slice(0, filled));
        chunks += 1;
        filled = 0;
      };
      for (const part of parts) {
        hash.update(part);
        bytes += part.length;
        for (let at = 0; at < part.length;) {
          const n = Math.min(part.length - at, this.chunkBytes - filled);
          buffer.set(part.subarray(at, at + n), filled);
          filled += n;
          at += n;
          if (filled === this.chunkBytes) await flush();
        }
      }
      if (filled > 0 || chunks === 0) await flush();
      const manifest: Manifest = { slot, chunks, bytes, sha256: hash.digest('hex') };
      await this.kv.put(key, JSON.stringify(manifest));
      if (previous !== undefined) await this.#purgeSlot(key, previous);
    } catch (cause) {
      throw new UnavailableError(`cannot write ${key}`, { cause });
    }
  }

  async #purgeSlot(key: string, manifest: Manifest): Promise<void> {
    for (let i = 0; i < manifest.chunks; i += 1)
      await this.kv.purge(`${key}.${manifest.slot}.${i}`);
  }

  /** Forgets the value of `key`, chunks included. */
  async remove(key: string): Promise<void> {
    const manifest = await this.#manifest(key);
    await this.kv.purge(key);
    if (manifest !== undefined) await this.#purgeSlot(key, manifest);
  }
}
