import {
  bucketStream,
  DEFAULT_ROOT,
  DEFAULT_STREAM,
  inboxPrefix,
  projectionBucket,
  relayFilter,
  relaySubject,
  snapshotBucket,
  leaseBucket,
  subjects,
} from '../events/index.ts';
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
  /** The gateway: stores untrusted users' submissions, cancellations and reports. */
  gateway: 'gateway',
  /** Auditors and read-only tools: read the stream, ask task status; write nothing. */
  observer: 'observer',
  /** The HUD and projections: what observers may, plus JetStream and KV for checkpoints. */
  hud: 'hud',
  /** The operator's tools (`fleet keys`, `fleet workers revoke`, stream administration): all. */
  admin: 'admin',
  /** A user of the system account that pushes account JWT updates (revocations). */
  system: 'system',
  /**
   * The provisioner of one pool: launch events and single-use keys of its pool's projects,
   * read the stream; its one-shot workers enroll on the shared enrollment user.
   */
  provisioner: 'provisioner',
} as const;
export type Role = (typeof Role)[keyof typeof Role];

// Where a user's replies arrive (`_INBOX.<public key>`): the contract's, re-exported here.
export { inboxPrefix };

/** Every JetStream API subject. Untrusted users get none of it. */
const JS_API = '$JS.API.>';
/** Replies to any requester: only the operator's services may publish or subscribe here. */
const ALL_INBOXES = '_INBOX.>';

export const own = (userPublicKey: string) => [`${inboxPrefix(userPublicKey)}.>`];
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
        relaySubject(root, s.report(project, pool, workerId), worker.publicKey),
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
 * status (answered by the dispatcher) on its own status subject, whose last token is its key:
 * the dispatcher answers only that key's inbox. No JetStream API at all: on nats-server 2.9
 * neither consumers nor direct gets can be limited to a project's subjects, so raw event reads
 * stay with the operator's observers.
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
        relaySubject(root, s.submit(producer.project, any), producer.publicKey),
        relaySubject(root, s.cancel(producer.project, any), producer.publicKey),
        s.status(producer.project, any, producer.publicKey),
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

const API = '$JS.API';

/**
 * What reading one stream takes, and nothing that changes it: its info, ordered consumers
 * (create, info, next, delete) and message and direct gets. No purge, no delete, no update.
 */
export const readStream = (stream: string): string[] => [
  `${API}.INFO`,
  `${API}.STREAM.INFO.${stream}`,
  `${API}.STREAM.MSG.GET.${stream}`,
  `${API}.DIRECT.GET.${stream}`,
  `${API}.DIRECT.GET.${stream}.>`,
  `${API}.CONSUMER.CREATE.${stream}`,
  `${API}.CONSUMER.CREATE.${stream}.>`,
  `${API}.CONSUMER.INFO.${stream}.*`,
  `${API}.CONSUMER.DELETE.${stream}.*`,
  `${API}.CONSUMER.MSG.NEXT.${stream}.*`,
];

/** What keeping values in one KV bucket takes: create it, read it, put and remove keys. */
const useBucket = (bucket: string): string[] => [
  ...readStream(bucketStream(bucket)),
  `${API}.STREAM.CREATE.${bucketStream(bucket)}`,
  `$KV.${bucket}.>`,
];

/** Where a service's deployment lives: its subject root and its stream. */
interface ServiceScope {
  readonly root?: string;
  readonly stream?: string;
}

const scopeOf = (d: ServiceScope) => ({
  root: d.root ?? DEFAULT_ROOT,
  stream: d.stream ?? DEFAULT_STREAM,
});

/**
 * The dispatchers (of every pool): append decisions and refusals, serve claims, heartbeats and
 * status requests and answer them (on the requester's own inbox only, checked before each
 * answer: `replyRefusal`), read the stream, keep snapshots and pools' leases in their buckets. They cannot write
 * a submission, a report or a membership, nor purge, delete or reconfigure any stream.
 */
export const dispatcherPermissions = (d: ServiceScope = {}): Permissions => {
  const { root, stream } = scopeOf(d);
  const rpc = rpcOf(root);
  return {
    pub: {
      allow: [
        `${root}.*.*.dispatch`,
        `${root}.*.*.rejected`,
        ...readStream(stream),
        ...useBucket(snapshotBucket(stream, root)),
        // The pool's lease: which dispatcher serves it (actors/lease).
        ...useBucket(leaseBucket(stream, root)),
        ALL_INBOXES,
      ],
      deny: [],
    },
    sub: {
      allow: [
        `${rpc}.*.*.*.claim`,
        `${rpc}.*.*.*.hb`,
        `${rpc}.*.*.status`,
        `${rpc}.*.*.status.*`,
        ALL_INBOXES,
      ],
      deny: [],
    },
  };
};

/**
 * The registrar: appends key uses and memberships, serves enrollment and renewal requests and
 * answers them (on the requester's own inbox only), reads the stream. It cannot write a task,
 * a decision or a report, nor change any stream.
 */
export const registrarPermissions = (d: ServiceScope = {}): Permissions => {
  const { root, stream } = scopeOf(d);
  return {
    pub: {
      allow: [`${root}.*._keys.*`, `${root}.*.*.member.*`, ...readStream(stream), ALL_INBOXES],
      deny: [],
    },
    sub: { allow: [subjects(root).enroll(), ALL_INBOXES], deny: [] },
  };
};

/**
 * Read-only operator scope (auditors, `fleet events`, `fleet state`): reads the stream and
 * asks task status on its own status subjects. It may not change the stream or publish any
 * Fleet subject.
 */
export const observerPermissions = (publicKey: string, d: ServiceScope = {}): Permissions => {
  const { root, stream } = scopeOf(d);
  return {
    pub: { allow: [...readStream(stream), `${rpcOf(root)}.*.*.status.${publicKey}`], deny: [] },
    sub: { allow: [ALL_INBOXES], deny: [] },
  };
};

/**
 * The HUD and projections (operator scope): what observers may, plus checkpoints in their
 * bucket. It publishes no Fleet subject, serves no request and changes no stream.
 */
export const hudPermissions = (publicKey: string, d: ServiceScope = {}): Permissions => {
  const { root, stream } = scopeOf(d);
  return {
    pub: {
      allow: [
        ...readStream(stream),
        ...useBucket(projectionBucket(stream, root)),
        `${rpcOf(root)}.*.*.status.${publicKey}`,
      ],
      deny: [],
    },
    sub: { allow: [ALL_INBOXES], deny: [] },
  };
};

/**
 * The gateway: stores what untrusted users write (submissions, cancellations, reports), each
 * on the subject its request names under its requester's key, and passes the stream's answer
 * on to that requester's own inbox. It reads nothing and changes no stream.
 */
export const gatewayPermissions = (root: string = DEFAULT_ROOT): Permissions => ({
  pub: {
    allow: [`${root}.*.*.submit`, `${root}.*.*.cancel`, `${root}.*.*.worker.*.report`, ALL_INBOXES],
    deny: [],
  },
  sub: { allow: [relayFilter(root), ALL_INBOXES], deny: [] },
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
