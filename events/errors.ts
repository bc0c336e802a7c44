import type { z } from 'zod';

/** Stable machine-readable codes carried by every Fleet error. */
export const ErrorCode = {
  /** The bytes are not JSON. */
  MalformedJson: 'malformed_json',
  /** The JSON does not satisfy the event schema. */
  SchemaInvalid: 'schema_invalid',
  /** The `type` is not an event Fleet knows. */
  UnknownType: 'unknown_type',
  /** The message is larger than the contract allows. */
  Oversize: 'oversize',
  /** A field of the body names another project, pool, worker or key than the subject. */
  SubjectMismatch: 'subject_mismatch',
  /** The event type may not be written on this kind of subject. */
  NotAllowedOnSubject: 'not_allowed_on_subject',
  /** The subject does not parse as a Fleet subject. */
  BadSubject: 'bad_subject',
  /** A name or id is not valid as a subject token. */
  BadName: 'bad_name',
  /** An exclusive append lost a race: another writer appended to the subject first. */
  Conflict: 'conflict',
  /** A request got no answer in time, or the log could not be reached. */
  Unavailable: 'unavailable',
  /** A request was refused; the message says why. */
  Refused: 'refused',
  /** A request's reply subject is not the requester's own inbox: nobody is answered. */
  BadReply: 'bad_reply',
  /** A task attempt was abandoned: its lease expired, it was taken away, or its worker stopped. */
  Aborted: 'aborted',
  /** Input given to a client (a producer's task, a command-line flag) is not valid. */
  InvalidInput: 'invalid_input',
  /** Waiting for something (a task's end) took longer than the caller allowed. */
  Timeout: 'timeout',
  /** What a request names (a task, a worker, a deployment) does not exist where it looked. */
  NotFound: 'not_found',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Base of every error Fleet throws or returns; `code` is stable across versions. */
export class FleetError extends Error {
  override readonly name: string = 'FleetError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Thrown or returned when a subject or a name does not fit the subject grammar. */
export class SubjectError extends FleetError {
  override readonly name = 'SubjectError';
}

/** Returned by the codec when bytes on the wire are not a valid Fleet message for their subject. */
export class DecodeError extends FleetError {
  override readonly name = 'DecodeError';
  constructor(
    code: ErrorCode,
    message: string,
    readonly subject: string,
    options?: { cause?: unknown; path?: string },
  ) {
    super(code, message, options);
    this.path = options?.path;
  }
  /** Where in the body the problem is, as a dotted path, when known. */
  readonly path: string | undefined;
}

/** Thrown by an exclusive append when the subject moved on since the writer last folded it. */
export class ConflictError extends FleetError {
  override readonly name = 'ConflictError';
  constructor(
    readonly subject: string,
    readonly expectedLastSubjectSeq: number,
    options?: { cause?: unknown },
  ) {
    super(
      ErrorCode.Conflict,
      `append to ${subject} expected last sequence ${expectedLastSubjectSeq}, but another writer appended first`,
      options,
    );
  }
}

/** Thrown when NATS or the stream does not answer, or answers with an unexpected failure. */
export class UnavailableError extends FleetError {
  override readonly name = 'UnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.Unavailable, message, options);
  }
}

/** Thrown when what a command names — a task, a worker, a Fleet at a URL — is not there. */
export class NotFoundError extends FleetError {
  override readonly name = 'NotFoundError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.NotFound, message, options);
  }
}

/** Thrown to a client whose request (claim, enrollment, submission) Fleet refused, with the reason. */
export class RefusedError extends FleetError {
  override readonly name = 'RefusedError';
  constructor(
    readonly reason: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(ErrorCode.Refused, message, options);
  }
}

/**
 * Thrown when input (a producer's task, a command-line value) does not fit the contract.
 * Nothing was published. `path` names the offending field, dotted (`requirements.models.0`),
 * or is empty when the input as a whole is wrong.
 */
export class InvalidInputError extends FleetError {
  override readonly name = 'InvalidInputError';
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(ErrorCode.InvalidInput, message, options);
  }

  /**
   * From the first issue of a zod error, its path made relative to the input: `skip` leading
   * segments are dropped (an event's `data`, say) and `prefix` is put in front (an index).
   * The message reads `<what>: <path>: <issue>`.
   */
  static fromZod(
    error: z.ZodError,
    options: { what: string; skip?: number; prefix?: string },
  ): InvalidInputError {
    const issue = error.issues[0];
    const rel = (issue?.path ?? []).slice(options.skip ?? 0).map(String);
    const path = [...(options.prefix === undefined ? [] : [options.prefix]), ...rel].join('.');
    const where = path === '' ? '' : `${path}: `;
    return new InvalidInputError(path, `${options.what}: ${where}${issue?.message ?? 'invalid'}`, {
      cause: error,
    });
  }
}
