import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { ErrorCode, parseRelaySubject, relayFilter, replyRefusal } from '../../events/index.ts';
import { TRACEPARENT } from '../../telemetry/trace-context.ts';
import { traceHeaders } from './store.ts';

/** Options of a running gateway. */
export interface GatewayOptions {
  /** The gateway's own connection: it may publish the relayed stored subjects, nothing else. */
  readonly nc: NatsConnection;
  /** Subject root of the deployment. */
  readonly root: string;
  /** How long a store may wait for the stream's acknowledgement (default 5 s). */
  readonly timeoutMs?: number;
  /** Most stores under way at once (default 10,000); beyond, a request is answered 503. */
  readonly maxInFlight?: number;
  /** Queue group (default `fleet-gateway`), so several gateways share the load. */
  readonly queue?: string;
  /** Told of each request refused for its subject or its reply subject; never answered. */
  readonly onRefused?: (refusal: { readonly subject: string; readonly detail: string }) => void;
  /** Told of errors the gateway survived. */
  readonly onError?: (error: unknown) => void;
}

/** A running gateway. */
export interface Gateway {
  /** Requests relayed to the stream since start, and those refused, by reason. */
  stats(): { readonly relayed: number; readonly refused: Readonly<Record<string, number>> };
  /** Stops taking requests and lets those under way answer. */
  stop(): Promise<void>;
}

const encoder = new TextEncoder();
/** An answer in JetStream's own error shape, so a requester reads every failure alike. */
const failure = (code: number, description: string) =>
  encoder.encode(JSON.stringify({ error: { code, description } }));

/**
 * Starts a gateway: stores what untrusted users write (submissions, cancellations, reports)
 * on their behalf. JetStream would acknowledge a stored message on any reply subject its
 * publisher named, with the account's rights; the gateway publishes with its own inbox and
 * passes the acknowledgement on only to the requester's own inbox (`_INBOX.<key>.…`, the key
 * its credentials alone may name in the request subject). Anything else is refused, counted
 * and told, and stored nowhere.
 */
export const startGateway = (options: GatewayOptions): Gateway => {
  const { nc, root } = options;
  const timeout = options.timeoutMs ?? 5_000;
  const maxInFlight = options.maxInFlight ?? 10_000;
  const inflight = new Set<Promise<void>>();
  const refused: Record<string, number> = {};
  let relayed = 0;
  const refuse = (msg: Msg, reason: string, detail: string) => {
    refused[reason] = (refused[reason] ?? 0) + 1;
    options.onRefused?.({ subject: msg.subject, detail });
  };

  const onRequest = (msg: Msg) => {
    const parsed = parseRelaySubject(root, msg.subject);
    if (!parsed.ok) {
      refuse(msg, ErrorCode.BadSubject, parsed.error.message);
      return;
    }
    const bad = replyRefusal(msg.reply ?? '', parsed.value.key);
    if (bad !== undefined) {
      refuse(msg, bad.code, bad.detail);
      return;
    }
    if (inflight.size >= maxInFlight) {
      msg.respond(failure(503, 'the gateway is busy; store again later'));
      return;
    }
    // Only the trace context passes on: a requester's other headers (a `Nats-Msg-Id`, an
    // expected sequence) would let it steer the stream's dedupe or checks for other tenants.
    const traced = traceHeaders(msg.headers?.values(TRACEPARENT) ?? []);
    const job = nc
      .request(parsed.value.stored, msg.data, {
        timeout,
        ...(traced === undefined ? {} : { headers: traced }),
      })
      .then(
        (ack) => {
          relayed += 1;
          msg.respond(ack.data);
        },
        (cause: unknown) => {
          options.onError?.(cause);
          msg.respond(failure(503, `could not store on ${parsed.value.stored}`));
        },
      )
      .finally(() => inflight.delete(job));
    inflight.add(job);
  };

  const sub: Subscription = nc.subscribe(relayFilter(root), {
    queue: options.queue ?? 'fleet-gateway',
    callback: (error, msg) => {
      if (error !== null) options.onError?.(error);
      else onRequest(msg);
    },
  });

  return {
    stats: () => ({ relayed, refused: { ...refused } }),
    stop: async () => {
      sub.unsubscribe();
      await Promise.allSettled([...inflight]);
    },
  };
};
