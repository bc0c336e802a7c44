import { DEFAULT_ROOT, DEFAULT_STREAM, subjects } from '../events/index.ts';
import type { PoolId, ProjectId, WorkerId } from '../events/index.ts';

/** What a NATS user may publish and subscribe to, as a user JWT carries it. */
export interface Permissions {
  readonly pub: { readonly allow: readonly string[]; readonly deny: readonly string[] };
  readonly sub: { readonly allow: readonly string[]; readonly deny: readonly string[] };
}

/** The kinds of user Fleet issues credentials to. */
export const Role = {
  /** One enrolled worker: its own report, claim and heartbeat subjects, and renewal. */
  worker: 'worker',
  /** A tenant's producer: submit and cancel in its project, ask its project's task status. */
  producer: 'producer',
  /** Shared by enrolling workers: may only ask the registrar for an enrollment. */
  enroll: 'enroll',
  /** The dispatchers: decisions and refusals, claims, heartbeats and status requests. */
  dispatcher: 'dispatcher',
  /** The registrar: key uses and memberships, enrollment and renewal requests. */
  registrar: 'registrar',
  /** Auditors and read-only tools: read the stream, ask task status; write nothing. */
  observer: 'observer',
  /** The HUD and projections: what observers may, plus JetStream and KV for checkpoints. */
  hud: 'hud',
  /** The operator's tools (`fleet keys`, `fleet workers revoke`, stream administration): all. */
  admin: 'admin',
  /** A user of the system account that pushes account JWT updates (revocations). */
  system: 'system',
} as const;
export type Role = (typeof Role)[keyof typeof Role];

/**
 * Where a user's replies arrive: a per-user prefix, so nobody but the operator's services ever
 * subscribes to `_INBOX.>` — other users' replies, and stream messages delivered to services'
 * inboxes, stay out of a tenant's reach. Clients connect with `inboxPrefix` set to it.
 */
export const inboxPrefix = (userPublicKey: string): string => `_INBOX.${userPublicKey}`;

/** Every JetStream API subject. Untrusted users get none of it. */
const JS_API = '$JS.API.>';
/** Replies to any requester: only the operator's services may publish or subscribe here. */
const ALL_INBOXES = '_INBOX.>';

const own = (userPublicKey: string) => [`${inboxPrefix(userPublicKey)}.>`];
const rpcOf = (root: string) => `${root}_rpc`;

/**
 * A worker: publishes exactly its report (stored, acknowledged on its inbox), its claims and
 * heartbeats, and renewals on the enrollment subject; subscribes to its own inbox only. No
 * JetStream API: its report is a plain publish to a stream subject.
 */
export const workerPermissions = (
  worker: {
    readonly project: ProjectId;
    readonly pool: PoolId;
    readonly workerId: WorkerId;
    readonly publicKey: string;
  },
  root: string = DEFAULT_ROOT,
): Permissions => {
  const s = subjects(root);
  const { project, pool, workerId } = worker;
  return {
    pub: {
      allow: [
        s.report(project, pool, workerId),
        s.claim(project, pool, workerId),
        s.heartbeat(project, pool, workerId),
        s.enroll(),
      ],
      deny: [JS_API],
    },
    sub: { allow: own(worker.publicKey), deny: [] },
  };
};

/**
 * A producer of one project: submits and cancels in any pool of its project and asks their
 * status (answered by the dispatcher). No JetStream API at all: on nats-server 2.9 neither
 * consumers nor direct gets can be limited to a project's subjects, so raw event reads stay
 * with the operator's observers.
 */
export const producerPermissions = (
  producer: { readonly project: ProjectId; readonly publicKey: string },
  root: string = DEFAULT_ROOT,
): Permissions => {
  const s = subjects(root);
  const any = '*' as PoolId;
  return {
    pub: {
      allow: [
        s.submit(producer.project, any),
        s.cancel(producer.project, any),
        s.status(producer.project, any),
      ],
      deny: [JS_API],
    },
    sub: { allow: own(producer.publicKey), deny: [] },
  };
};

/** The shared enrollment user: asks for an enrollment, reads its own inbox, nothing else. */
export const enrollPermissions = (publicKey: string, root: string = DEFAULT_ROOT): Permissions => ({
  pub: { allow: [subjects(root).enroll()], deny: [JS_API] },
  sub: { allow: own(publicKey), deny: [] },
});

/**
 * The dispatchers (of every pool): append decisions and refusals, serve claims, heartbeats and
 * status requests and answer them, use JetStream (tails, appends, snapshots in KV). They cannot
 * write a submission, a report or a membership.
 */
export const dispatcherPermissions = (root: string = DEFAULT_ROOT): Permissions => {
  const rpc = rpcOf(root);
  return {
    pub: {
      allow: [`${root}.*.*.dispatch`, `${root}.*.*.rejected`, JS_API, '$KV.>', ALL_INBOXES],
      deny: [],
    },
    sub: {
      allow: [`${rpc}.*.*.*.claim`, `${rpc}.*.*.*.hb`, `${rpc}.*.*.status`, ALL_INBOXES],
      deny: [],
    },
  };
};

/**
 * The registrar: appends key uses and memberships, serves enrollment and renewal requests and
 * answers them, uses JetStream. It cannot write a task, a decision or a report.
 */
export const registrarPermissions = (root: string = DEFAULT_ROOT): Permissions => ({
  pub: {
    allow: [`${root}.*._keys.*`, `${root}.*.*.member.*`, JS_API, ALL_INBOXES],
    deny: [],
  },
  sub: { allow: [subjects(root).enroll(), ALL_INBOXES], deny: [] },
});

/**
 * Read-only operator scope (the HUD, projections, auditors): stream and consumer info, ordered
 * consumers and direct gets on the stream, task status requests. It may not change the stream
 * or publish any Fleet subject.
 */
export const observerPermissions = (
  root: string = DEFAULT_ROOT,
  stream: string = DEFAULT_STREAM,
): Permissions => {
  const api = '$JS.API';
  return {
    pub: {
      allow: [
        `${api}.INFO`,
        `${api}.STREAM.INFO.${stream}`,
        `${api}.STREAM.MSG.GET.${stream}`,
        `${api}.DIRECT.GET.${stream}`,
        `${api}.DIRECT.GET.${stream}.>`,
        `${api}.CONSUMER.CREATE.${stream}`,
        `${api}.CONSUMER.CREATE.${stream}.>`,
        `${api}.CONSUMER.INFO.${stream}.*`,
        `${api}.CONSUMER.DELETE.${stream}.*`,
        `${api}.CONSUMER.MSG.NEXT.${stream}.*`,
        `${rpcOf(root)}.*.*.status`,
      ],
      deny: [],
    },
    sub: { allow: [ALL_INBOXES], deny: [] },
  };
};

/**
 * The HUD and projections (operator scope): the JetStream API (reads, and checkpoints in KV
 * buckets) and task status requests. It publishes no Fleet subject and serves no request; it
 * could still change streams and KV buckets through the API, so it is an operator's process.
 */
export const hudPermissions = (root: string = DEFAULT_ROOT): Permissions => ({
  pub: { allow: [JS_API, '$KV.>', `${rpcOf(root)}.*.*.status`], deny: [] },
  sub: { allow: [ALL_INBOXES], deny: [] },
});

/** The operator's tools: everything in the Fleet account. */
export const adminPermissions = (): Permissions => ({
  pub: { allow: ['>'], deny: [] },
  sub: { allow: ['>'], deny: [] },
});

/** A system-account user that only pushes account JWT updates. */
export const systemPermissions = (): Permissions => ({
  pub: { allow: ['$SYS.REQ.ACCOUNT.*.CLAIMS.UPDATE'], deny: [] },
  sub: { allow: [ALL_INBOXES], deny: [] },
});
