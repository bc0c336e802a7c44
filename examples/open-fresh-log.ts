import { jetstreamManager, JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { EventLog } from '../log/index.ts';

/**
 * Opens an example's log on an empty stream: the stream of an earlier run, if any, is deleted
 * first, so that a rerun audits its own history only.
 */
export const openFreshLog = async (
  nc: NatsConnection,
  location: { readonly stream: string; readonly root: string },
): Promise<EventLog> => {
  try {
    await (await jetstreamManager(nc)).streams.delete(location.stream);
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound))
      throw error;
  }
  return EventLog.open(nc, location);
};
