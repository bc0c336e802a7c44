import { jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { streamConfig } from '../../events/index.ts';

/**
 * Creates the event stream as Fleet did before it was guarded, and as a stream made by hand or
 * by another tool may be: purge and message delete allowed. A test that needs a log damaged by
 * a purge or a delete makes its stream here and damages it before anything calls
 * `EventLog.open`, which guards the stream for good (the flags cannot be cleared).
 */
export const unguardedStream = async (
  nc: NatsConnection,
  location: { stream: string; root: string },
): Promise<JetStreamManager> => {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({
    ...streamConfig({ name: location.stream, root: location.root }),
    deny_purge: false,
    deny_delete: false,
  });
  return jsm;
};

/**
 * Removes the stream's head the one way a guarded stream still allows: the operator lowers its
 * `max_msgs` so that the server removes the oldest messages, then lifts the limit again (what
 * was removed stays removed). Returns the stream's first sequence afterwards.
 */
export const trimHead = async (
  jsm: JetStreamManager,
  stream: string,
  keep: number,
): Promise<number> => {
  const { config } = await jsm.streams.info(stream);
  await jsm.streams.update(stream, { ...config, max_msgs: keep });
  await jsm.streams.update(stream, { ...config, max_msgs: -1 });
  return (await jsm.streams.info(stream)).state.first_seq;
};
