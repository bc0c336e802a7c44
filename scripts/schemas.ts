import { z } from 'zod';
import {
  ClaimReply,
  ClaimRequest,
  EnrollReply,
  EnrollRequest,
  RenewRequest,
  TaskStatusReply,
  TaskStatusRequest,
  EventSchemas,
  FleetEvent,
  Heartbeat,
  HeartbeatReply,
  isEventType,
  WireMessage,
} from '../events/index.ts';
import type { EventType } from '../events/index.ts';
import { isJsonObject, renderJson } from './json.ts';
import type { Json, JsonObject } from './json.ts';
import { canonicalSchema, nameJsonValueDefs } from './schema-postprocess.ts';
import { kindOfType, storedSubjects, subjectCatalog } from './subject-catalog.ts';

/** Directory, relative to the repository root, that holds the generated files. */
export const SCHEMAS_DIR = 'schemas';

/**
 * Prefix of every generated `$id`. A URN rather than a URL: the files are not served anywhere,
 * and all `$ref`s are local (`#/$defs/...`), so no resolver ever needs to fetch one.
 */
export const SCHEMA_ID_PREFIX = 'urn:fleet:schema:';

/** `task.dead_lettered` → `TaskDeadLettered`, the name of its zod schema and of generated types. */
export const typeTitle = (type: string): string =>
  type
    .split(/[._]/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

// Producers write inputs: fields with defaults are optional, which is what `io: 'input'` says.
const toSchema = (
  schema: z.ZodType,
  metadata?: z.core.$ZodRegistry<{ id?: string }>,
): JsonObject => {
  const raw: unknown = JSON.parse(
    JSON.stringify(
      z.toJSONSchema(schema, {
        io: 'input',
        target: 'draft-2020-12',
        ...(metadata ? { metadata } : {}),
      }),
    ),
  );
  if (!isJsonObject(raw)) throw new Error('zod produced a non-object JSON Schema');
  return raw;
};

/** Adds identity and a description at the top, then fixes names and key order. */
const finish = (
  relPath: string,
  title: string,
  description: string,
  schema: JsonObject,
): [string, string] => {
  const id = `${SCHEMA_ID_PREFIX}${relPath.replace(/\.json$/, '')}`;
  const doc: JsonObject = { ...nameJsonValueDefs(schema), $id: id, title, description };
  return [relPath, renderJson(canonicalSchema(doc))];
};

const eventDescription = (type: EventType): string => {
  const kind = kindOfType(type);
  const subject = storedSubjects().find((s) => s.kind === kind);
  return subject === undefined
    ? `A "${type}" event.`
    : `A "${type}" event, written by ${subject.writtenBy} on ${subject.pattern}.`;
};

const eventFiles = (): [string, string][] =>
  Object.keys(EventSchemas)
    .filter(isEventType)
    .sort()
    .map((type) =>
      finish(
        `events/${type}.json`,
        typeTitle(type),
        eventDescription(type),
        toSchema(EventSchemas[type]),
      ),
    );

/**
 * The wire message names every event as a `$defs` entry (`TaskSubmitted`, ...) and the union
 * as `FleetEvent`, so a batch does not repeat sixteen inline schemas and code generators get
 * one type per event.
 */
const wireMessageFile = (): [string, string] => {
  const registry = z.registry<{ id?: string }>();
  registry.add(FleetEvent, { id: 'FleetEvent' });
  for (const [type, schema] of Object.entries(EventSchemas))
    registry.add(schema, { id: typeTitle(type) });
  return finish(
    'wire-message.json',
    'WireMessage',
    'One stored message: a single event { type, data, meta }, or { batch: [events] } whose ' +
      'events are accepted or refused together. Every event must be allowed on the subject.',
    toSchema(WireMessage, registry),
  );
};

const catalogFile = (): [string, string] => {
  const doc = { $id: `${SCHEMA_ID_PREFIX}subjects`, ...subjectCatalog() };
  return ['subjects.json', renderJson(JSON.parse(JSON.stringify(doc)) as Json)];
};

/**
 * Generates every file of `schemas/`: relative path (inside `schemas/`) → exact file content.
 * Pure: writes nothing, so tests compare it with what is committed.
 */
export const generateSchemas = (): Map<string, string> =>
  new Map(
    [
      ...eventFiles(),
      wireMessageFile(),
      finish(
        'claim-request.json',
        'ClaimRequest',
        "Body of a worker's long-polled claim request on its claim subject.",
        toSchema(ClaimRequest),
      ),
      finish(
        'claim-reply.json',
        'ClaimReply',
        "The dispatcher's answer to a claim: assignments (maybe none, after the wait), or a refusal.",
        toSchema(ClaimReply),
      ),
      finish(
        'heartbeat-reply.json',
        'HeartbeatReply',
        "The dispatcher's answer to a heartbeat: the worker's status and attempts it must abandon.",
        toSchema(HeartbeatReply),
      ),
      finish(
        'heartbeat.json',
        'Heartbeat',
        "Body of a worker's heartbeat: the attempts it believes it holds.",
        toSchema(Heartbeat),
      ),
      finish(
        'enroll-request.json',
        'EnrollRequest',
        'Body of an enrollment request: the key token printed once by `fleet keys create`, and what the worker offers.',
        toSchema(EnrollRequest),
      ),
      finish(
        'enroll-reply.json',
        'EnrollReply',
        "The registrar's answer: the new worker's identity, or a refusal with its reason.",
        toSchema(EnrollReply),
      ),
      finish(
        'renew-request.json',
        'RenewRequest',
        'Body of a credentials renewal on the enrollment subject, sent by an enrolled worker of a secure deployment before its credentials expire: its current user JWT and a signature by its seed. Answered with an EnrollReply.',
        toSchema(RenewRequest),
      ),
      finish(
        'task-status-request.json',
        'TaskStatusRequest',
        'Body of a task status request, optionally long-polled until the task ends, optionally asking for the ending report (withReport).',
        toSchema(TaskStatusRequest),
      ),
      finish(
        'task-status-reply.json',
        'TaskStatusReply',
        "Where a task stands, as its pool's dispatcher folded it.",
        toSchema(TaskStatusReply),
      ),
      catalogFile(),
    ].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
