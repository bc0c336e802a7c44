import type { Dispatcher } from '../../actors/dispatcher/dispatcher.ts';
import type { Worker } from '../../actors/worker/index.ts';
import { ClaimReply, decode, inboxPrefix } from '../../events/index.ts';
import type { EventLog } from '../../log/index.ts';
import type { SecureFixture } from '../../security/secure-fixture.ts';
import type { Narrator } from '../narrator.ts';
import { FIN, GPU } from './fleet-spec.ts';
import type { MultiTenantResult } from './multi-tenant-result.ts';

/** What the claim met; filled as it happens, so a later failure keeps what was already seen. */
export interface ClaimFindings {
  refusal?: MultiTenantResult['refusal'];
  refusalSeq?: number;
  serverRefusal?: string;
}

/** What {@link crossTenantClaim} needs from the run. */
export interface ClaimContext {
  readonly narrator: Narrator;
  readonly log: EventLog;
  readonly root: string;
  readonly stream: string;
  readonly secure: SecureFixture | undefined;
  readonly workers: readonly Worker[];
  readonly dispatchers: readonly Dispatcher[];
  readonly problems: string[];
  readonly found: ClaimFindings;
}

/**
 * The attack: health-prod's GPU worker, on its own connection, claims on fin-prod's subject.
 * Records whether it was refused, and where the refusal was stored.
 */
export const crossTenantClaim = async (ctx: ClaimContext): Promise<void> => {
  const { out, step, c } = ctx.narrator;
  const { log, root, stream, secure, problems, found } = ctx;
  const s = log.subjects;
  const intruder = ctx.workers[0];
  if (intruder === undefined) throw new Error('no workers');
  const claimSubject = s.claim(FIN, GPU, intruder.id);
  step(`health-prod worker ${intruder.id} claims fin-prod work on ${claimSubject}`);
  // Secure: the worker's own credentials do not allow the subject, so the server refuses it.
  // The same claim then goes out on an operator's connection, for the dispatcher to judge. The
  // dispatcher answers a worker's claims only on that worker's own inbox, so the operator's
  // connection takes the worker's inbox prefix (it may subscribe anywhere).
  const intruderKey = ctx.dispatchers[0]?.host.state.workers[intruder.id]?.publicKey;
  const intruderNc =
    secure === undefined
      ? intruder.nats
      : await secure.connectAs(await secure.auth.serviceCreds('admin'), {
          ...(intruderKey === undefined ? {} : { inboxPrefix: inboxPrefix(intruderKey) }),
        });
  if (secure !== undefined) {
    try {
      await intruder.nats.request(claimSubject, JSON.stringify({ max: 5, waitMs: 1_000 }), {
        timeout: 5_000,
      });
      problems.push('LEAK: the server let a health-prod worker claim on a fin-prod subject');
    } catch (error) {
      found.serverRefusal = error instanceof Error ? error.message : String(error);
      out(`         ${c.red(`✖ REFUSED BY NATS: ${found.serverRefusal}`)}`);
    }
    step(`the same claim for ${intruder.id} on an operator connection, to the dispatcher:`);
  }
  const answer = ClaimReply.safeParse(
    (
      await intruderNc.request(claimSubject, JSON.stringify({ max: 5, waitMs: 1_000 }), {
        timeout: 5_000,
      })
    ).json<unknown>(),
  );
  if (!answer.success) problems.push('the cross-tenant claim got an unreadable reply');
  else if ('refused' in answer.data) {
    found.refusal = answer.data.refused;
    out(`         ${c.red(`✖ REFUSED: ${found.refusal.reason}`)} — ${found.refusal.detail}`);
  } else {
    problems.push(
      `LEAK: the cross-tenant claim got ${answer.data.assignments.length} assignment(s)`,
    );
    out(`         ${c.red('LEAK')}: ${JSON.stringify(answer.data.assignments)}`);
  }
  // Decide, append, then act: the refusal was stored before it was answered.
  const rejectedSubject = s.rejected(FIN, GPU);
  const stored = await log.jsm.streams.getMessage(stream, { last_by_subj: rejectedSubject });
  const recorded = stored === null ? undefined : decode(stored.subject, stored.data, { root });
  const event = recorded?.ok === true ? recorded.value.events[0] : undefined;
  if (stored !== null && event?.type === 'claim.rejected') {
    found.refusalSeq = stored.seq;
    const { workerId, project, reason } = event.data;
    out(
      `         recorded at stream seq ${stored.seq} on ${rejectedSubject}: claim.rejected ` +
        `{ workerId: ${workerId}, project: ${project}, reason: ${reason} }`,
    );
  } else problems.push('the cross-tenant claim was not recorded as claim.rejected');
};
