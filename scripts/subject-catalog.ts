import { z } from 'zod';
import {
  allowedTypes,
  DEDUPE_WINDOW_MS,
  DEFAULT_ROOT,
  DEFAULT_STREAM,
  Headers,
  KeyId,
  MAX_BATCH,
  MAX_MESSAGE_BYTES,
  PoolId,
  ProjectId,
  relaySubject,
  SubjectKind,
  subjects,
  WorkerId,
} from '../events/index.ts';
import type { EventType } from '../events/index.ts';

/** One stored subject kind, as published in `schemas/subjects.json`. */
export interface StoredSubject {
  readonly kind: SubjectKind;
  readonly pattern: string;
  readonly writtenBy: string;
  readonly eventTypes: readonly EventType[];
}

/** One request/reply subject (never stored), as published in `schemas/subjects.json`. */
export interface RpcSubject {
  readonly name: string;
  readonly pattern: string;
  readonly writtenBy: string;
  readonly servedBy: string;
  /** File under `schemas/` of the request body, or null when the contract has none yet. */
  readonly requestSchema: string | null;
  /** File under `schemas/` of the reply body, or null when the contract has none yet. */
  readonly replySchema: string | null;
}

// Placeholders fed to the real builders, so the published patterns cannot drift from them.
const project = '<project>' as ProjectId;
const pool = '<pool>' as PoolId;
const worker = '<workerId>' as WorkerId;
const key = '<keyId>' as KeyId;
const user = '<userKey>';

/** Who appends to each kind of stored subject: not derivable from code, so stated here. */
const WRITERS: Readonly<Record<SubjectKind, string>> = {
  submit: "the project's producers (secure: the gateway, for them)",
  cancel: "the project's producers or an operator (secure: the gateway, for producers)",
  dispatch: "the pool's dispatcher",
  rejected: "the pool's dispatcher",
  report: 'the worker named in the subject (secure: the gateway, for it)',
  member: 'the registrar (worker.enrolled) and operators (worker.revoked)',
  key: 'operators (issue, revoke) and the registrar (key.used at enrollment)',
  retention: 'the operator (fleet retention mark), signed with the operator key',
  limits: 'operators (fleet limits set, clear; a refused limit is recorded here too)',
  launch: "the pool's provisioner (launches of one-shot workers)",
};

/** The stored subjects of the default deployment, one per kind, in `SubjectKind` order. */
export const storedSubjects = (): StoredSubject[] => {
  const s = subjects(DEFAULT_ROOT);
  const patterns: Readonly<Record<SubjectKind, string>> = {
    submit: s.submit(project, pool),
    cancel: s.cancel(project, pool),
    dispatch: s.dispatch(project, pool),
    rejected: s.rejected(project, pool),
    report: s.report(project, pool, worker),
    member: s.member(project, pool, worker),
    key: s.key(project, key),
    retention: s.retention(),
    limits: s.limits(project, pool),
    launch: s.launch(project, pool),
  };
  return Object.values(SubjectKind).map((kind) => ({
    kind,
    pattern: patterns[kind],
    writtenBy: WRITERS[kind],
    eventTypes: allowedTypes[kind],
  }));
};

/** The request/reply subjects of the default deployment. */
export const rpcSubjects = (): RpcSubject[] => {
  const s = subjects(DEFAULT_ROOT);
  return [
    {
      name: 'claim',
      pattern: s.claim(project, pool, worker),
      writtenBy: 'the worker named in the subject (long-polled request)',
      servedBy: "the pool's dispatcher",
      requestSchema: 'claim-request.json',
      replySchema: 'claim-reply.json',
    },
    {
      name: 'heartbeat',
      pattern: s.heartbeat(project, pool, worker),
      writtenBy: 'the worker named in the subject',
      servedBy: "the pool's dispatcher",
      requestSchema: 'heartbeat.json',
      replySchema: 'heartbeat-reply.json',
    },
    {
      name: 'enroll',
      pattern: s.enroll(),
      writtenBy: 'a worker holding an enrollment key',
      servedBy: 'the registrar',
      requestSchema: 'enroll-request.json',
      replySchema: 'enroll-reply.json',
    },
    {
      name: 'renew',
      pattern: s.enroll(),
      writtenBy: 'an enrolled worker renewing its NATS credentials (secure deployments)',
      servedBy: 'the registrar',
      requestSchema: 'renew-request.json',
      replySchema: 'enroll-reply.json',
    },
    {
      name: 'status',
      pattern: s.status(project, pool),
      writtenBy: 'anyone allowed to read the project (long-polled request)',
      servedBy: "the pool's dispatcher",
      requestSchema: 'task-status-request.json',
      replySchema: 'task-status-reply.json',
    },
    {
      name: 'status-own',
      pattern: s.status(project, pool, user),
      writtenBy: 'the user with that key (secure deployments), answered only on _INBOX.<userKey>.>',
      servedBy: "the pool's dispatcher",
      requestSchema: 'task-status-request.json',
      replySchema: 'task-status-reply.json',
    },
    {
      name: 'store',
      pattern: relaySubject(
        DEFAULT_ROOT,
        `${DEFAULT_ROOT}.<stored subject without the root>`,
        user,
      ),
      writtenBy:
        'the user with that key (secure deployments): its own submit, cancel or report subject, answered only on _INBOX.<userKey>.>',
      servedBy: 'the gateway, which stores the message and passes on the acknowledgement',
      requestSchema: 'wire-message.json',
      replySchema: null,
    },
  ];
};

/** The regular expression a token schema enforces, read from the schema itself. */
const patternOf = (schema: z.ZodType): string => {
  const { pattern } = z.toJSONSchema(schema, { io: 'input' });
  if (typeof pattern !== 'string') throw new Error('token schema has no pattern');
  return pattern;
};

/** The event type → stored subject kind index (each type is admitted on exactly one kind). */
export const kindOfType = (type: EventType): SubjectKind | undefined =>
  Object.values(SubjectKind).find((kind) => allowedTypes[kind].includes(type));

/** The whole `schemas/subjects.json` document (without `$id`, added by the generator). */
export const subjectCatalog = () => ({
  title: 'Fleet subjects',
  description:
    'NATS subjects of the Fleet contract. Stored subjects are captured by one JetStream stream; ' +
    'each admits only the listed event types, as a single event or a batch. ' +
    'Request/reply subjects are never stored.',
  root: DEFAULT_ROOT,
  stream: {
    name: DEFAULT_STREAM,
    subjects: [subjects(DEFAULT_ROOT).all()],
    maxMessageBytes: MAX_MESSAGE_BYTES,
    maxBatch: MAX_BATCH,
    duplicateWindowMs: DEDUPE_WINDOW_MS,
    dedupeHeader: Headers.msgId,
  },
  tokens: {
    project: patternOf(ProjectId),
    pool: patternOf(PoolId),
    workerId: patternOf(WorkerId),
    keyId: patternOf(KeyId),
  },
  stored: storedSubjects(),
  requestReply: rpcSubjects(),
});
