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
