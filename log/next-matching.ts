import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';

const MsgGetReply = z.object({
  message: z.object({ seq: z.number() }).optional(),
  error: z.object({ code: z.number(), description: z.string().optional() }).optional(),
});

/**
 * The stream's own word on the first message matching `filter` at sequence `from` or later: its
 * sequence, or nothing if there is none (yet).
 */
export const nextMatching = async (
  nc: NatsConnection,
  jsm: JetStreamManager,
  stream: string,
  filter: string,
  from: number,
): Promise<number | undefined> => {
  const info = await jsm.streams.info(stream);
  if (info.state.last_seq < from) return undefined;
  // The message API's `next_by_subj` (nats-server 2.9): nats.js offers it on direct gets only.
  const r = await nc.request(
    `$JS.API.STREAM.MSG.GET.${stream}`,
    JSON.stringify({ seq: from, next_by_subj: filter }),
    { timeout: 5_000 },
  );
  const body = MsgGetReply.parse(r.json<unknown>());
  if (body.message !== undefined) return body.message.seq;
  if (body.error?.code === 404) return undefined;
  throw new Error(`cannot look for message ${from}: ${body.error?.description ?? 'no answer'}`);
};
