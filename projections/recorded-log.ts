import { z } from 'zod';
import { decode, FleetError, ErrorCode, refusalSubject } from '../events/index.ts';
import type { LogEntry } from '../events/index.ts';
import type { FoldItem } from './fold-item.ts';

const Position = {
  subject: z.string().min(1),
  seq: z.number().int().positive(),
  /** The stream's timestamp, epoch ms. */
  at: z.number().int().nonnegative(),
};

/**
 * One stored message in a recorded log (a JSONL fixture): its subject, stream sequence and
 * timestamp, and its body — as JSON (`data`) when that reproduces its bytes exactly, else as
 * `base64` (malformed or oddly formatted bodies, which the fold must see as they were).
 */
export const RecordedLine = z.union([
  z.object({ ...Position, data: z.json() }).strict(),
  z.object({ ...Position, base64: z.string() }).strict(),
]);
export type RecordedLine = z.infer<typeof RecordedLine>;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The line recording one stored message. */
export const recordedLine = (
  subject: string,
  seq: number,
  at: number,
  bytes: Uint8Array,
): RecordedLine => {
  try {
    const text = utf8.decode(bytes);
    const data = JSON.parse(text) as z.core.util.JSONType;
    if (JSON.stringify(data) === text) return { subject, seq, at, data };
  } catch {
    // not UTF-8 JSON: kept byte for byte below
  }
  return { subject, seq, at, base64: Buffer.from(bytes).toString('base64') };
};

/** Decodes a stored message with the codec, exactly as `EventLog.tail` does. */
const entryOf = (subject: string, seq: number, at: number, bytes: Uint8Array): LogEntry => {
  const root = subject.split('.')[0] ?? '';
  const decoded = decode(subject, bytes, { root });
  if (decoded.ok) return { seq, at, events: decoded.value.events };
  const about = refusalSubject(subject, bytes, root);
  return {
    seq,
    at,
    refused: { code: decoded.error.code, message: decoded.error.message },
    ...(about === undefined ? {} : { about }),
  };
};

/**
 * Reads a recorded log (one {@link RecordedLine} per line) into the items a fold consumes.
 * Throws a `FleetError` naming the line that is not a recorded message.
 */
export const parseRecordedLog = (text: string): FoldItem[] =>
  text
    .split('\n')
    .map((line, i) => ({ line: line.trim(), n: i + 1 }))
    .filter(({ line }) => line !== '')
    .map(({ line, n }) => {
      let parsed: ReturnType<typeof RecordedLine.safeParse>;
      try {
        parsed = RecordedLine.safeParse(JSON.parse(line));
      } catch (cause) {
        throw new FleetError(ErrorCode.MalformedJson, `recorded log line ${n} is not JSON`, {
          cause,
        });
      }
      if (!parsed.success)
        throw new FleetError(
          ErrorCode.SchemaInvalid,
          `recorded log line ${n}: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
        );
      const r = parsed.data;
      const bytes =
        'data' in r
          ? new TextEncoder().encode(JSON.stringify(r.data))
          : new Uint8Array(Buffer.from(r.base64, 'base64'));
      return { subject: r.subject, entry: entryOf(r.subject, r.seq, r.at, bytes) };
    });
