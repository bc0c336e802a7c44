import type { FleetEvent } from './fleet-event.ts';
import type { ErrorCode } from './errors.ts';

/**
 * A readable stored message: its stream sequence, the server's timestamp (epoch ms) and its
 * events in order (one, or a batch that shares the sequence).
 */
export interface RecordedEvents {
  readonly seq: number;
  readonly at: number;
  readonly events: readonly FleetEvent[];
}

/**
 * A stored message the codec refused. Folds count it by code so every replica agrees on what
 * was refused; it changes nothing else.
 */
export interface RecordedRefusal {
  readonly seq: number;
  readonly at: number;
  readonly refused: { readonly code: ErrorCode; readonly message: string };
  /** What the refused message seemed to be about, when that could be made out. */
  readonly about?: RefusalSubject;
}

/** The project (from the subject) and task (from the body) a refused message named. */
export interface RefusalSubject {
  readonly project: string;
  readonly taskId?: string;
  /** The tasks a refused batch named (a batch is refused whole). */
  readonly taskIds?: readonly string[];
}

/** What a fold consumes: the stream in order, readable or not. */
export type LogEntry = RecordedEvents | RecordedRefusal;

/** True when the entry carries readable events. */
export const isReadable = (entry: LogEntry): entry is RecordedEvents => 'events' in entry;
