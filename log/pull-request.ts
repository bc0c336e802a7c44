import { nanos } from '@nats-io/transport-node';

/** How long a pull waits at the server before it is answered 408 and pulled again. */
const PULL_EXPIRES_MS = 10_000;
/**
 * How often the server sends an idle heartbeat while a pull waits: a read that hears nothing
 * for a few of them knows its consumer's server is gone (see `silenceWatch`).
 */
export const PULL_HEARTBEAT_MS = 1_000;

/** The body of a pull of up to `batch` messages and `maxBytes` bytes. */
export const pullRequest = (batch: number, maxBytes: number): string =>
  JSON.stringify({
    batch,
    max_bytes: maxBytes,
    expires: nanos(PULL_EXPIRES_MS),
    idle_heartbeat: nanos(PULL_HEARTBEAT_MS),
  });
