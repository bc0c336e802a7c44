import { setTimeout as sleep } from 'node:timers/promises';
import { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import type { ConsumerConfig, JetStreamManager } from '@nats-io/jetstream';
import { createInbox, nanos } from '@nats-io/transport-node';
import type { Msg, NatsConnection, Status, Subscription } from '@nats-io/transport-node';
import { parseAckSubject } from './ack-subject.ts';
import { nextMatching } from './next-matching.ts';
import { PULL_HEARTBEAT_MS, pullRequest } from './pull-request.ts';
import { silenceWatch } from './silence-watch.ts';

/** One stored message as a read delivers it. */
export interface StoredItem {
  readonly subject: string;
  readonly seq: number;
  /** Server time it was stored, epoch ms. */
  readonly at: number;
  readonly data: Uint8Array;
  /** The W3C `traceparent` header the message was stored with, if any. */
  readonly traceparent?: string;
}

/** Why a read was reopened. */
export interface Heal {
  /** What was seen: `stalled`, `gap`, `disconnected`, `consumer_lost` or `read_failed`. */
  readonly reason: 'stalled' | 'gap' | 'disconnected' | 'consumer_lost' | 'read_failed';
  /** The read's subject filter. */
  readonly filter: string;
  /** The read goes on from this stream sequence. */
  readonly from: number;
  readonly detail: string;
}

/** Where a read starts: a stream sequence, or the first message stored at or after a time. */
export type ReadStart = { readonly seq: number } | { readonly time: Date };

/** Options of {@link openRead}. */
export interface ReadOptions {
  /** How often a read that delivered nothing checks it is not stalled (default 5 s). */
  readonly stallCheckMs?: number;
  /** Most messages one pull asks for (default 1,024). */
  readonly maxMessages?: number;
  /**
   * Most bytes one pull asks for: default twice the server's max payload, so one message of
   * any size fits and a pull stays far below the server's buffer per connection (64 MiB by
   * default) — a pull beyond it gets the connection dropped as a slow consumer.
   */
  readonly maxBytes?: number;
  /** Told of every reopen, once each. */
  readonly onHeal?: (heal: Heal) => void;
}

/** A running read. */
export interface Read {
  /** Resolves once what was stored when the read started has been delivered, or it ended. */
  readonly caughtUp: Promise<void>;
  /** Resolves when the read ends after `stop`; rejects with what `onItem` threw. */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

/** Pause before the n-th retry in a row (from 0) of a failed open: 100 ms doubling to 2 s. */
const retryPause = (n: number): number => Math.min(2_000, 100 * 2 ** n);
/** Three idle heartbeats and a half missed: the consumer is gone. */
const SILENT_MS = 3.5 * PULL_HEARTBEAT_MS;

/** nats.js connections have these; the interface does not say so. */
type WithOptions = NatsConnection & { readonly options?: { readonly inboxPrefix?: string } };
type Stoppable = AsyncIterable<Status> & { stop?: () => void };

/**
 * Reads the stored messages matching `filter` in order, from `start` on, and keeps following new
 * ones until stopped: an ephemeral consumer without acks (nothing is left behind on the server
 * for long) pulled in batches bounded by count and by bytes, one pull at a time. `onItem` runs
 * synchronously per message, each message exactly once, in order.
 *
 * The read cannot stall silently: a gap in the consumer's delivery sequence, a reconnect, a
 * vanished consumer, or no delivery for `stallCheckMs` while the stream itself holds a matching
 * message the read has not had — each reopens it after the last message delivered, told once
 * to `onHeal`. (A server drops a connection whose pull outgrew its buffer and counts the whole
 * pull as delivered: its pending count then says nothing is left, but the stream does.)
 */
export const openRead = async (
  nc: NatsConnection,
  jsm: JetStreamManager,
  stream: string,
  filter: string,
  start: ReadStart,
  onItem: (item: StoredItem) => void,
  options: ReadOptions = {},
): Promise<Read> => {
  const maxMessages = options.maxMessages ?? 1024;
  let maxBytes = options.maxBytes ?? 2 * (nc.info?.max_payload ?? 1024 * 1024);
  const stallCheckMs = options.stallCheckMs ?? 5_000;
  let next = 'seq' in start ? Math.max(1, start.seq) : 1;
  let delivered = 0;
  let stopped = false;
  const isStopped = () => stopped;
  let itemError: { readonly error: unknown } | undefined;

  interface Session {
    readonly name: string;
    readonly sub: Subscription;
    /** Delivery sequence of the last message of this consumer. */
    dseq: number;
    /** Messages still due for the pull under way. */
    due: number;
    /** Disconnects seen before it was opened: one opened since the last needs no reopen. */
    readonly epoch: number;
    closed: boolean;
  }
  let session: Session | undefined;
  let markCaughtUp: () => void = () => undefined;
  let failRead: (error: unknown) => void = () => undefined;
  let endRead: () => void = () => undefined;
  const caughtUp = new Promise<void>((resolve) => {
    markCaughtUp = resolve;
  });
  const done = new Promise<void>((resolve, reject) => {
    endRead = resolve;
    failRead = reject;
  });
  // Whoever awaits it learns of a failure; nobody awaiting it is no unhandled rejection.
  done.catch(() => undefined);

  const config = (): Partial<ConsumerConfig> => ({
    ack_policy: AckPolicy.None,
    filter_subject: filter,
    mem_storage: true,
    num_replicas: 1,
    inactive_threshold: nanos(60_000),
    ...(delivered === 0 && 'time' in start
      ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: start.time.toISOString() }
      : next > 1
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: next }
        : { deliver_policy: DeliverPolicy.All }),
  });

  const pull = (s: Session) => {
    if (s.closed) return;
    s.due = maxMessages;
    nc.publish(
      `$JS.API.CONSUMER.MSG.NEXT.${stream}.${s.name}`,
      pullRequest(maxMessages, maxBytes),
      { reply: s.sub.getSubject() },
    );
  };

  const close = (s: Session | undefined) => {
    if (s === undefined || s.closed) return;
    s.closed = true;
    s.sub.unsubscribe();
    // The server forgets it by itself after a while; deleting it now is only tidy.
    jsm.consumers.delete(stream, s.name).catch(() => undefined);
  };

  let healing: Promise<void> | undefined;
  const heal = (reason: Heal['reason'], detail: string) => {
    if (stopped || healing !== undefined) return;
    close(session);
    session = undefined;
    // A pull the connection could not carry may be what stalled it: pull less from now on.
    if (reason !== 'consumer_lost' && reason !== 'read_failed')
      maxBytes = Math.max(nc.info?.max_payload ?? 1024 * 1024, Math.floor(maxBytes / 2));
    options.onHeal?.({ reason, filter, from: next, detail });
    healing = (async () => {
      for (let failures = 0; !isStopped(); failures += 1) {
        try {
          await open();
          return;
        } catch {
          // JetStream may still be recovering: try again, more slowly, until stopped.
          await sleep(retryPause(failures));
        }
      }
    })().finally(() => {
      healing = undefined;
    });
  };

  const onMsg = (s: Session, msg: Msg) => {
    if (s.closed) return;
    silence.heard();
    const ack = msg.reply === undefined ? undefined : parseAckSubject(msg.reply);
    if (ack === undefined) {
      const code = msg.headers?.code ?? 0;
      if (code === 100) return; // an idle heartbeat: nothing to do
      // 404 no messages, 408 the pull expired, 409 its byte budget is spent: pull again.
      const description = msg.headers?.description ?? '';
      const overBudget = code === 409 && /max ?bytes/i.test(description);
      // A message larger than a whole pull (stored under a larger max payload) would be refused
      // pull after pull: give the next pulls room for it.
      if (overBudget && s.due === maxMessages) maxBytes *= 2;
      if (code === 404 || code === 408 || overBudget) {
        pull(s);
        return;
      }
      heal('consumer_lost', `the server answered a pull with ${code} ${description}`.trim());
      return;
    }
    if (ack.deliverySeq !== s.dseq + 1) {
      heal('gap', `message ${s.dseq + 1} of the read never arrived`);
      return;
    }
    s.dseq = ack.deliverySeq;
    s.due -= 1;
    if (ack.streamSeq >= next) {
      next = ack.streamSeq + 1;
      delivered += 1;
      try {
        const traceparent = msg.headers?.get('traceparent') ?? '';
        onItem({
          subject: msg.subject,
          seq: ack.streamSeq,
          at: ack.at,
          data: msg.data,
          ...(traceparent === '' ? {} : { traceparent }),
        });
      } catch (error) {
        itemError = { error };
        stopped = true;
        close(s);
        failRead(error);
        return;
      }
    }
    if (ack.pending === 0) maybeCaughtUp();
    if (s.due === 0) pull(s);
  };

  /** The stream's own word on whether a message matching the filter waits at `next` or later. */
  const waiting = () => nextMatching(nc, jsm, stream, filter, next);
  /** The stream's last sequence when the read began: caught up means delivered past it. */
  const target = (await jsm.streams.info(stream)).state.last_seq;
  let caughtUpMarked = false;
  let confirming = false;
  /**
   * The server's pending count says nothing is left; the stream is the judge. nats-server
   * 2.9.10 was seen counting 0 pending for a filtered consumer with matching messages still
   * ahead (large messages after a slow-consumer drop): caught up then answered a CLI read
   * with half its fold.
   */
  const maybeCaughtUp = () => {
    if (caughtUpMarked) return;
    if (next > target) {
      caughtUpMarked = true;
      markCaughtUp();
      return;
    }
    if (confirming) return;
    confirming = true;
    waiting()
      .then(
        (seq) => {
          if (seq !== undefined && seq <= target) return;
          caughtUpMarked = true;
          markCaughtUp();
        },
        // Unsure: the next message, or the stall check, asks again.
        () => undefined,
      )
      .finally(() => {
        confirming = false;
      });
  };

  let epoch = 0;
  const open = async () => {
    const opening = epoch;
    const info = await jsm.consumers.add(stream, config());
    const s: Session = {
      name: info.name,
      sub: nc.subscribe(createInbox((nc as WithOptions).options?.inboxPrefix), {
        callback: (err, msg) => {
          if (err !== null) heal('read_failed', err.message);
          else onMsg(s, msg);
        },
      }),
      dseq: 0,
      due: 0,
      epoch: opening,
      closed: false,
    };
    if (stopped) {
      close(s);
      return;
    }
    session = s;
    silence.heard();
    if (info.num_pending === 0) maybeCaughtUp();
    pull(s);
  };

  // The server holding the consumer died (a cluster node lost): its pull is gone, silently.
  const silence = silenceWatch({
    heartbeatMs: PULL_HEARTBEAT_MS,
    silentMs: SILENT_MS,
    onSilence: (ms) => {
      if (session !== undefined) heal('consumer_lost', `no word from its server for ${ms} ms`);
    },
  });
  await open().catch((e: unknown) => {
    silence.stop();
    throw e;
  });

  // A reconnect loses the pull under way (and a server restart the consumer): reopen at once.
  const status: Stoppable = nc.status();
  void (async () => {
    for await (const s of status) {
      if (s.type === 'disconnect') epoch += 1;
      else if (s.type === 'reconnect' && session !== undefined && session.epoch < epoch)
        heal('disconnected', 'the connection was lost and is back');
    }
  })();

  let seen = -1;
  let suspect: number | undefined;
  let checking = false;
  const check = async () => {
    const s = session;
    if (s === undefined) return;
    const consumer = await jsm.consumers.info(stream, s.name).catch(() => undefined);
    if (session !== s) return;
    if (consumer === undefined) {
      heal('consumer_lost', 'the consumer is gone');
      return;
    }
    if (consumer.num_pending > 0) {
      heal(
        'stalled',
        `nothing arrived for ${stallCheckMs} ms; the server counts ${consumer.num_pending} waiting, the read is at ${next - 1}`,
      );
      return;
    }
    const seq = await waiting();
    if (session !== s || seq === undefined) {
      suspect = undefined;
      return;
    }
    // A filtered consumer's delivered sequence also moves past messages it skipped (other
    // subjects): only a matching message at or below it was sent and lost on the way.
    if (seq <= consumer.delivered.stream_seq) {
      heal(
        'stalled',
        `the server has sent up to ${consumer.delivered.stream_seq}, message ${seq} never arrived; the read is at ${next - 1}`,
      );
      return;
    }
    // Seen twice with nothing delivered in between: not a message merely in flight.
    if (suspect !== undefined && suspect >= next)
      heal('stalled', `message ${seq} waits in the stream; the read is at ${next - 1}`);
    else suspect = seq;
  };
  const watchdog = setInterval(() => {
    if (delivered !== seen || healing !== undefined || checking) {
      seen = delivered;
      suspect = undefined;
      return;
    }
    checking = true;
    check()
      .catch(() => heal('read_failed', 'the stall check failed'))
      .finally(() => {
        checking = false;
      });
  }, stallCheckMs);
  watchdog.unref();

  const stop = async () => {
    if (!stopped) stopped = true;
    clearInterval(watchdog);
    silence.stop();
    status.stop?.();
    await healing;
    close(session);
    session = undefined;
    markCaughtUp();
    if (itemError === undefined) endRead();
    await done.catch(() => undefined);
  };
  done.then(
    () => undefined,
    () => {
      clearInterval(watchdog);
      silence.stop();
      status.stop?.();
      markCaughtUp();
    },
  );
  return { caughtUp, done, stop };
};
