import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import { UnavailableError } from '../events/index.ts';

/** What the server answers to a claims update. */
const UpdateReply = z.object({
  data: z.object({ code: z.number(), message: z.string().optional() }).optional(),
  error: z.object({ code: z.number(), description: z.string().optional() }).optional(),
});

/**
 * Pushes a new JWT of `account` to the servers: a request on
 * `$SYS.REQ.ACCOUNT.<account>.CLAIMS.UPDATE` on a system-account user's connection. Every server
 * that knows the account takes it at once (checked on 2.9.10 with the memory resolver): users
 * its `revocations` list are disconnected (`User Authentication Revoked`) and refused from then
 * on. Throws `UnavailableError` when no server answers or one refuses the update.
 */
export const pushAccountJwt = async (
  system: NatsConnection,
  account: string,
  jwt: string,
  timeoutMs = 5_000,
): Promise<void> => {
  const subject = `$SYS.REQ.ACCOUNT.${account}.CLAIMS.UPDATE`;
  let answer: unknown;
  try {
    const reply = await system.request(subject, jwt, { timeout: timeoutMs });
    answer = reply.json<unknown>();
  } catch (cause) {
    throw new UnavailableError('the account update (revocations) got no answer', { cause });
  }
  const parsed = UpdateReply.safeParse(answer);
  const code = parsed.success ? (parsed.data.data?.code ?? parsed.data.error?.code) : undefined;
  if (code !== 200)
    throw new UnavailableError(
      `the server refused the account update: ${JSON.stringify(answer).slice(0, 300)}`,
    );
};
