import { decode, isReadable } from '../../events/index.ts';
import type { EventOf, WorkerId } from '../../events/index.ts';
import type { EventLog, Tail } from '../../log/index.ts';
import { openRead } from '../../log/index.ts';

/** A worker as the registrar's secure mode follows it. */
export interface WatchedWorker {
  readonly enrolled: EventOf<'worker.enrolled'>['data'];
  /** Server time (epoch ms) its revocation was stored, once revoked. */
  revokedAt: number | undefined;
  /** Its dispatcher declared it lost. */
  lost: boolean;
  /** It announced `worker.left` (drained and gone). */
  left: boolean;
}

/** What the registrar knows of memberships, kept current. */
export interface MemberWatch {
  get(workerId: WorkerId): WatchedWorker | undefined;
  /** Public keys of revoked workers, with the time their revocation was stored. */
  revoked(): Map<string, number>;
  /** Resolves once what was stored at the start has been read. */
  readonly caughtUp: Promise<void>;
  stop(): Promise<void>;
}

/** Options of {@link startMemberWatch}. */
export interface MemberWatchOptions {
  /**
   * Epoch ms from which `worker.lost` decisions are read: a worker lost before then holds
   * only expired credentials, so reading the whole decision history is not needed.
   */
  readonly lostSince: number;
  /** Told when a worker with a public key is revoked (after the start, and during catch-up). */
  readonly onRevoked: () => void;
  readonly onError: (error: unknown) => void;
}

/** True when `data` contains `needle`: a cheap filter before a full decode. */
const contains = (data: Uint8Array, needle: Buffer): boolean =>
  Buffer.from(data.buffer, data.byteOffset, data.byteLength).includes(needle);

/**
 * Follows memberships (`<root>.*.*.member.*`: enrolled with their public keys, revoked), the
 * dispatchers' `worker.lost` decisions and the workers' own `worker.left` since `lostSince`.
 * Decisions and reports are many and those two events rare, so messages are scanned for the
 * type's bytes and decoded only on a hit.
 */
export const startMemberWatch = async (
  log: EventLog,
  options: MemberWatchOptions,
): Promise<MemberWatch> => {
  const workers = new Map<string, WatchedWorker>();
  const lostEarly = new Set<string>();
  const leftEarly = new Set<string>();
  const root = log.subjects.root;

  const members: Tail = await log.tail(`${root}.*.*.member.*`, 1, ({ entry }) => {
    if (!isReadable(entry)) return;
    for (const e of entry.events) {
      if (e.type === 'worker.enrolled' && !workers.has(e.data.workerId)) {
        workers.set(e.data.workerId, {
          enrolled: e.data,
          revokedAt: undefined,
          lost: lostEarly.has(e.data.workerId),
          left: leftEarly.has(e.data.workerId),
        });
      } else if (e.type === 'worker.revoked') {
        const w = workers.get(e.data.workerId);
        if (w === undefined || w.revokedAt !== undefined) continue;
        w.revokedAt = entry.at;
        if (w.enrolled.publicKey !== undefined) options.onRevoked();
      }
    }
  });

  /** Events of `type` on `filter` since `lostSince`, scanned by bytes, decoded on a hit. */
  const scan = async (
    filter: string,
    type: 'worker.lost' | 'worker.left',
    mark: (w: string) => void,
  ) => {
    const needle = Buffer.from(type);
    const read = await openRead(
      log.nc,
      log.jsm,
      log.stream,
      filter,
      { time: new Date(options.lostSince) },
      (m) => {
        if (!contains(m.data, needle)) return;
        const decoded = decode(m.subject, m.data, { root });
        if (decoded.ok)
          for (const e of decoded.value.events) if (e.type === type) mark(e.data.workerId);
      },
      log.readOptions,
    );
    read.done.catch(options.onError);
    return read;
  };
  const lost = await scan(`${root}.*.*.dispatch`, 'worker.lost', (id) => {
    const w = workers.get(id);
    if (w === undefined) lostEarly.add(id);
    else w.lost = true;
  });
  // Only the worker itself may publish on its report subject: a `worker.left` there is its own.
  const left = await scan(`${root}.*.*.worker.*.report`, 'worker.left', (id) => {
    const w = workers.get(id);
    if (w === undefined) leftEarly.add(id);
    else w.left = true;
  });

  return {
    get: (workerId) => workers.get(workerId),
    revoked: () => {
      const out = new Map<string, number>();
      for (const w of workers.values())
        if (w.revokedAt !== undefined && w.enrolled.publicKey !== undefined)
          out.set(w.enrolled.publicKey, w.revokedAt);
      return out;
    },
    caughtUp: Promise.all([members.caughtUp, lost.caughtUp, left.caughtUp]).then(() => undefined),
    stop: async () => {
      await members.stop();
      await lost.stop();
      await left.stop();
    },
  };
};
