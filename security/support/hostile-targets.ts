import { errors } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { inboxPrefix, snapshotBucket, subjects } from '../../events/index.ts';
import type { PoolId, ProjectId, WorkerId } from '../../events/index.ts';

/** A third project: its subjects are targets that no party of a hostile test writes. */
export const GAMMA = 'gamma' as ProjectId;

/**
 * Where an attacker would like a Fleet service (or the server) to write for it: (a) every
 * JetStream API subject that changes state — the stream's, its consumers', the snapshot
 * bucket's; (b) another project's subjects, stored and request/reply; (c) another user's inbox.
 */
export const hostileTargets = (d: {
  readonly root: string;
  readonly stream: string;
  readonly pool: PoolId;
  readonly victimKey: string;
}): Set<string> => {
  const s = subjects(d.root);
  const api = '$JS.API';
  const bucket = snapshotBucket(d.stream, d.root);
  const other = 'wGamma' as WorkerId;
  return new Set([
    `${api}.STREAM.PURGE.${d.stream}`,
    `${api}.STREAM.DELETE.${d.stream}`,
    `${api}.STREAM.UPDATE.${d.stream}`,
    `${api}.STREAM.MSG.DELETE.${d.stream}`,
    `${api}.STREAM.CREATE.EVIL`,
    `${api}.CONSUMER.CREATE.${d.stream}`,
    `${api}.CONSUMER.DURABLE.CREATE.${d.stream}.evil`,
    `${api}.STREAM.PURGE.KV_${bucket}`,
    `${api}.STREAM.DELETE.KV_${bucket}`,
    `$KV.${bucket}.dispatcher-${d.pool}`,
    s.dispatch(GAMMA, d.pool),
    s.submit(GAMMA, d.pool),
    s.member(GAMMA, d.pool, other),
    s.key(GAMMA, 'kGamma' as never),
    s.claim(GAMMA, d.pool, other),
    `${inboxPrefix(d.victimKey)}.stolen`,
  ]);
};

/**
 * The hostile targets of a secure server, and what landed on any of them: the operator's
 * connection listens to everything (the server's stop closes the subscription).
 */
export const watchTargets = async (
  fx: {
    readonly root: string;
    readonly stream: string;
    readonly admin: NatsConnection;
  },
  pool: PoolId,
  victimKey: string,
): Promise<{ readonly targets: Set<string>; readonly landed: string[] }> => {
  const targets = hostileTargets({ root: fx.root, stream: fx.stream, pool, victimKey });
  const landed: string[] = [];
  fx.admin.subscribe('>', {
    callback: (_e, m) => {
      if (targets.has(m.subject)) landed.push(m.subject);
    },
  });
  await fx.admin.flush();
  return { targets, landed };
};

/** The subjects of the permission violations the server reports on a connection, as they come. */
export const violations = (nc: NatsConnection): string[] => {
  const seen: string[] = [];
  void (async () => {
    for await (const s of nc.status())
      if (s.type === 'error' && s.error instanceof errors.PermissionViolationError)
        seen.push(s.error.subject);
  })();
  return seen;
};
