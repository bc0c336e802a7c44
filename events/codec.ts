import type { z } from 'zod';
import { compiledCheck } from './compiled-check.ts';
import { DecodeError, ErrorCode } from './errors.ts';
import { EventSchemas, isEventType, MAX_BATCH } from './fleet-event.ts';
import type { FleetEvent, FleetEventInput } from './fleet-event.ts';
import type { RefusalSubject } from './recorded.ts';
import { isId, isName } from './ids.ts';
import { err, ok } from './result.ts';
import type { Result } from './result.ts';
import { allowedTypes, DEFAULT_ROOT, parseSubject } from './subjects.ts';
import type { ParsedSubject } from './subjects.ts';

/** Largest stored message the contract accepts (the NATS default max payload). */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * Deepest nesting of arrays and objects a stored message may have, envelope included (an event
 * takes 3 levels, a batch 4). The schema checks recurse: a 10 kB message of nested brackets
 * would overflow the stack of every fold that reads it.
 */
export const MAX_JSON_DEPTH = 64;

/** Options of `decode`. */
export interface DecodeOptions {
  /** Subject root of the deployment; `fleet` by default. */
  readonly root?: string;
  /** Refuse messages larger than this; `MAX_MESSAGE_BYTES` by default. */
  readonly maxBytes?: number;
}

/** A decoded stored message: its parsed subject and its events in order. */
export interface Decoded {
  readonly subject: ParsedSubject;
  readonly events: readonly FleetEvent[];
}

const textDecoder = new TextDecoder('utf-8', { fatal: true });
const textEncoder = new TextEncoder();

const describeIssue = (issue: z.core.$ZodIssue): { path: string; message: string } => {
  const path = issue.path.map(String).join('.');
  return { path, message: path === '' ? issue.message : `${path}: ${issue.message}` };
};

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * What makes parsed JSON unfit for the schemas, found without recursion: nesting deeper than
 * `MAX_JSON_DEPTH`, or a `__proto__` key (an object rebuilt from it silently loses the key).
 */
export const jsonShapeProblem = (root: unknown): string | undefined => {
  // Two parallel stacks of objects only (scalars are never pushed): a batch of 1,000 tasks has
  // about 10,000 values, and a tuple per value cost more than the schema checks.
  const nodes: object[] = [];
  const depths: number[] = [];
  if (typeof root === 'object' && root !== null) {
    nodes.push(root);
    depths.push(1);
  }
  for (let v = nodes.pop(); v !== undefined; v = nodes.pop()) {
    const depth = depths.pop() ?? 0;
    if (depth > MAX_JSON_DEPTH) return `nesting deeper than ${MAX_JSON_DEPTH} levels`;
    if (Array.isArray(v)) {
      for (const x of v as unknown[])
        if (typeof x === 'object' && x !== null) {
          nodes.push(x);
          depths.push(depth + 1);
        }
      continue;
    }
    for (const k in v) {
      if (k === '__proto__') return 'a "__proto__" key';
      const x = (v as Record<string, unknown>)[k];
      if (typeof x === 'object' && x !== null) {
        nodes.push(x);
        depths.push(depth + 1);
      }
    }
  }
  return undefined;
};

/** The fields of an event body that must agree with the subject it travelled on. */
const mismatch = (s: ParsedSubject, e: FleetEvent): string | undefined => {
  // A retention point is of no project; `allowedTypes` keeps it on its own subject.
  if (s.kind === 'retention' || e.type === 'retention.point' || e.type === 'retention.limits')
    return undefined;
  if (e.data.project !== s.project)
    return `data.project "${e.data.project}" but the subject names project "${s.project}"`;
  if (s.kind === 'key') {
    return 'keyId' in e.data && e.data.keyId === s.keyId
      ? undefined
      : `data.keyId does not match the subject's key "${s.keyId}"`;
  }
  if ('pool' in e.data && e.data.pool !== s.pool)
    return `data.pool "${e.data.pool}" but the subject names pool "${s.pool}"`;
  if (s.kind === 'report' || s.kind === 'member') {
    const w = 'workerId' in e.data ? e.data.workerId : undefined;
    if (w !== s.workerId)
      return `data.workerId does not match the subject's worker "${s.workerId}"`;
  }
  return undefined;
};

const decodeOne = (
  subject: string,
  parsed: ParsedSubject,
  raw: unknown,
  at: string,
): Result<FleetEvent, DecodeError> => {
  if (!isRecord(raw))
    return err(new DecodeError(ErrorCode.SchemaInvalid, `${at}is not an object`, subject));
  const type = raw['type'];
  if (typeof type !== 'string' || !isEventType(type))
    return err(
      new DecodeError(
        ErrorCode.UnknownType,
        `${at}unknown event type ${JSON.stringify(type)}`,
        subject,
        {
          path: `${at}type`,
        },
      ),
    );
  if (!allowedTypes[parsed.kind].includes(type))
    return err(
      new DecodeError(
        ErrorCode.NotAllowedOnSubject,
        `${at}"${type}" may not be written on a ${parsed.kind} subject`,
        subject,
      ),
    );
  // The hot types pass a compiled check first; zod has the last word on anything it refuses.
  if (compiledCheck(type, raw) === true) {
    const event = raw as FleetEvent;
    const why = mismatch(parsed, event);
    return why === undefined
      ? ok(event)
      : err(new DecodeError(ErrorCode.SubjectMismatch, `${at}${why}`, subject));
  }
  const result = EventSchemas[type].safeParse(raw);
  if (!result.success) {
    const first = result.error.issues[0];
    const { path, message } = first ? describeIssue(first) : { path: '', message: 'invalid' };
    return err(
      new DecodeError(ErrorCode.SchemaInvalid, `${at}${type}: ${message}`, subject, {
        cause: result.error,
        path: `${at}${path}`,
      }),
    );
  }
  const event = result.data;
  const why = mismatch(parsed, event);
  if (why !== undefined)
    return err(new DecodeError(ErrorCode.SubjectMismatch, `${at}${why}`, subject));
  return ok(event);
};

/**
 * Validates a stored message against the contract: the subject parses, the bytes are JSON of
 * known event types allowed on that subject, every field is valid, and the body agrees with
 * the subject about project, pool, worker and key. Never throws; a batch is all or nothing.
 */
export const decode = (
  subject: string,
  bytes: Uint8Array,
  options: DecodeOptions = {},
): Result<Decoded, DecodeError> => {
  try {
    return decodeChecked(subject, bytes, options);
  } catch (cause) {
    // Last resort: a message that makes validation itself fail is refused like any other,
    // since every fold reads it again and again after a restart.
    return err(
      new DecodeError(ErrorCode.SchemaInvalid, 'the message could not be validated', subject, {
        cause,
      }),
    );
  }
};

const decodeChecked = (
  subject: string,
  bytes: Uint8Array,
  options: DecodeOptions,
): Result<Decoded, DecodeError> => {
  const maxBytes = options.maxBytes ?? MAX_MESSAGE_BYTES;
  if (bytes.byteLength > maxBytes)
    return err(
      new DecodeError(
        ErrorCode.Oversize,
        `message of ${bytes.byteLength} bytes exceeds the ${maxBytes}-byte limit`,
        subject,
      ),
    );
  const parsed = parseSubject(subject, options.root ?? DEFAULT_ROOT);
  if (!parsed.ok)
    return err(
      new DecodeError(ErrorCode.BadSubject, parsed.error.message, subject, { cause: parsed.error }),
    );
  let raw: unknown;
  try {
    raw = JSON.parse(textDecoder.decode(bytes));
  } catch (cause) {
    return err(
      new DecodeError(ErrorCode.MalformedJson, 'body is not UTF-8 JSON', subject, { cause }),
    );
  }
  const problem = jsonShapeProblem(raw);
  if (problem !== undefined)
    return err(new DecodeError(ErrorCode.SchemaInvalid, `body holds ${problem}`, subject));
  if (isRecord(raw) && 'batch' in raw) {
    const batch = raw['batch'];
    const keys = Object.keys(raw);
    if (!Array.isArray(batch) || keys.length !== 1)
      return err(
        new DecodeError(
          ErrorCode.SchemaInvalid,
          'a batch is exactly { "batch": [events] }',
          subject,
        ),
      );
    if (batch.length === 0 || batch.length > MAX_BATCH)
      return err(
        new DecodeError(
          ErrorCode.SchemaInvalid,
          `a batch holds 1 to ${MAX_BATCH} events, not ${batch.length}`,
          subject,
        ),
      );
    const events: FleetEvent[] = [];
    for (const [i, item] of batch.entries()) {
      const one = decodeOne(subject, parsed.value, item, `batch.${i}.`);
      if (!one.ok) return one;
      events.push(one.value);
    }
    return ok({ subject: parsed.value, events });
  }
  const one = decodeOne(subject, parsed.value, raw, '');
  return one.ok ? ok({ subject: parsed.value, events: [one.value] }) : one;
};

const taskIdOf = (item: unknown): string | undefined => {
  const data = isRecord(item) ? item['data'] : undefined;
  const taskId = isRecord(data) ? data['taskId'] : undefined;
  return typeof taskId === 'string' && isId(taskId) ? taskId : undefined;
};

/**
 * Best effort: the project and task ids a message that `decode` refused was about, so that a
 * producer can be told its submission was refused — every task of a refused batch, since a
 * batch is refused whole. Never throws.
 */
export const refusalSubject = (
  subject: string,
  bytes: Uint8Array,
  root: string = DEFAULT_ROOT,
): RefusalSubject | undefined => {
  const t = subject.split('.');
  const project = t[1];
  if (t[0] !== root || project === undefined || !isName(project)) return undefined;
  // Bounded work per refusal: nothing larger than the limit holds a valid task anyway.
  if (bytes.byteLength > MAX_MESSAGE_BYTES) return { project };
  try {
    const raw: unknown = JSON.parse(textDecoder.decode(bytes));
    const batch = isRecord(raw) ? raw['batch'] : undefined;
    if (Array.isArray(batch)) {
      const ids = (batch as unknown[]).slice(0, MAX_BATCH).map(taskIdOf);
      const taskIds = [...new Set(ids.filter((id) => id !== undefined))];
      return taskIds.length === 0 ? { project } : { project, taskIds };
    }
    const taskId = taskIdOf(raw);
    return taskId === undefined ? { project } : { project, taskId };
  } catch {
    return { project };
  }
};

/** Serialises one event, or several as one batch message, for publishing. */
export const encode = (events: FleetEventInput | readonly FleetEventInput[]): Uint8Array => {
  if (!Array.isArray(events)) return textEncoder.encode(JSON.stringify(events));
  const list = events as readonly FleetEventInput[];
  return textEncoder.encode(JSON.stringify(list.length === 1 ? list[0] : { batch: list }));
};
