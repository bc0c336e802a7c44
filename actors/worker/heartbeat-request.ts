import type { NatsConnection } from '@nats-io/transport-node';
import { DecodeError, ErrorCode, HeartbeatReply } from '../../events/index.ts';
import type { TaskId } from '../../events/index.ts';

const encoder = new TextEncoder();

/**
 * Sends one heartbeat on the worker's heartbeat `subject`, naming the attempts it holds, and
 * reads the dispatcher's reply. Throws what the request throws (no answer in `timeoutMs`), and
 * `DecodeError` when the answer is not a heartbeat reply.
 */
export const requestBeat = async (
  nc: NatsConnection,
  subject: string,
  attempts: readonly { readonly taskId: TaskId; readonly attempt: number }[],
  timeoutMs: number,
): Promise<HeartbeatReply> => {
  const m = await nc.request(subject, encoder.encode(JSON.stringify({ attempts })), {
    timeout: timeoutMs,
  });
  let body: unknown;
  try {
    body = m.json<unknown>();
  } catch (cause) {
    throw new DecodeError(ErrorCode.MalformedJson, 'heartbeat reply is not JSON', subject, {
      cause,
    });
  }
  const reply = HeartbeatReply.safeParse(body);
  if (!reply.success)
    throw new DecodeError(ErrorCode.SchemaInvalid, 'heartbeat reply is not valid', subject, {
      cause: reply.error,
    });
  return reply.data;
};
