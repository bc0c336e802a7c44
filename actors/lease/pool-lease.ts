import { jetstream, JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { DispatcherLease, UnavailableError } from '../../events/index.ts';
import type { PoolId } from '../../events/index.ts';
import {
  decideLease,
  defaultLeaseTerms,
  evolveLease,
  initialLeaseState,
  leaseRole,
} from '../../domain/lease/index.ts';
import type { LeaseCommand, LeaseRole, LeaseState, LeaseTerms } from '../../domain/lease/index.ts';

/** Options of {@link holdPoolLease}. */
export interface PoolLeaseOptions {
  readonly nc: NatsConnection;
  /** The deployment's lease bucket (`leaseBucket(stream, root)`); created when missing. */
  readonly bucket: string;
  readonly pool: PoolId;
  /** This candidate: unique per dispatcher process and pool. */
  readonly candidate: string;
  /** Servers holding the bucket when it is created (the stream's replicas). */
  readonly replicas?: number;
  readonly terms?: LeaseTerms;
  /** How often the key is read and the role checked (default 250 ms). */
  readonly tickMs?: number;
  /** The clock (default `Date.now`). */
  readonly now?: () => number;
  /** Told each change of role, in order: `active` once this candidate serves, `standby` after. */
  readonly onRole: (role: LeaseRole, state: LeaseState) => void;
  /** Told of reads and writes that failed (the lease then lapses by the clock). */
  readonly onError?: (error: unknown) => void;
}

/** A candidate's hold on a pool's lease. */
export interface PoolLease {
  role(): LeaseRole;
  readonly state: () => LeaseState;
  /** Reads the key and acts on it now (also runs every `tickMs`). */
  tick(): Promise<void>;
  /** Stops ticking and releases the lease if held, so a standby takes over at once. */
  stop(): Promise<void>;
}

/** A value that is not a lease reads as none: it is overwritten by the next claim. */
const parse = (bytes: Uint8Array): DispatcherLease | undefined => {
  try {
    const parsed = DispatcherLease.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
};

const isLostRace = (e: unknown): boolean =>
  e instanceof JetStreamApiError && e.code === JetStreamApiCodes.StreamWrongLastSequence;

/**
 * Holds a candidate for a pool's lease: every tick reads the pool's key, runs the lease rule
 * (domain/lease) and writes with compare-and-set on the key's revision what the rule says. The
 * role is checked on the same timer whether or not the KV answers, so a holder cut off from NATS
 * stops being active before its lease ends, and a standby takes over after it.
 *
 * @throws UnavailableError when the bucket cannot be opened.
 */
export const holdPoolLease = async (o: PoolLeaseOptions): Promise<PoolLease> => {
  const terms = o.terms ?? defaultLeaseTerms();
  const now = o.now ?? Date.now;
  const onError = o.onError ?? (() => undefined);
  let kv: KV;
  try {
    // Short timeouts: a request stuck on a lost server must not outlast the lease it renews.
    const kvm = new Kvm(jetstream(o.nc, { timeout: Math.max(250, terms.renewAfterMs * 2) }));
    kv = await kvm.create(o.bucket, { history: 1, replicas: o.replicas ?? 1 });
  } catch (cause) {
    throw new UnavailableError(`cannot open lease bucket ${o.bucket}`, { cause });
  }
  const key = o.pool;
  let state = initialLeaseState();
  let role: LeaseRole = 'standby';
  let stopped = false;

  const checkRole = () => {
    const next = stopped ? 'standby' : leaseRole(state, o.candidate, now(), terms);
    if (next === role) return;
    role = next;
    o.onRole(role, state);
  };

  const read = async () => {
    const entry = await kv.get(key);
    state = evolveLease(state, {
      type: 'seen',
      revision: entry?.revision ?? 0,
      lease: entry === null || entry.operation !== 'PUT' ? undefined : parse(entry.value),
    });
  };

  const act = async (command: LeaseCommand) => {
    const action = decideLease(state, command, terms);
    if (action.type === 'wait') return;
    const body = JSON.stringify(action.lease);
    try {
      const revision =
        action.revision === 0
          ? await kv.create(key, body)
          : await kv.update(key, body, action.revision);
      state = evolveLease(state, { type: 'seen', revision, lease: action.lease });
    } catch (e) {
      if (isLostRace(e)) state = evolveLease(state, { type: 'lost_race' });
      // Otherwise unsure whether it was stored: keep what we knew; the clock bounds the role.
      else throw e;
    }
  };

  let running: Promise<void> | undefined;
  const tick = (): Promise<void> =>
    (running ??= (async () => {
      try {
        await read();
        await act({ type: 'tick', candidate: o.candidate, now: now() });
      } catch (e) {
        onError(e);
      } finally {
        running = undefined;
        checkRole();
      }
    })());

  const timer = setInterval(() => {
    checkRole();
    if (!stopped) void tick();
  }, o.tickMs ?? 250);
  await tick();

  return {
    role: () => role,
    state: () => state,
    tick,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
      checkRole();
      try {
        await read();
        await act({ type: 'release', candidate: o.candidate, now: now() });
      } catch (e) {
        // Not released: it lapses by itself within its ttl.
        onError(e);
      }
    },
  };
};
