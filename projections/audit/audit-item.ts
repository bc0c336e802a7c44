import type { LogEntry } from '../../events/index.ts';

/**
 * One stored message as the audit reads it: the subject it was stored on, its stream sequence,
 * the server's timestamp (epoch ms) and what the codec made of it (events, or a refusal).
 */
export interface AuditItem {
  readonly subject: string;
  readonly seq: number;
  readonly at: number;
  readonly entry: LogEntry;
}

/** Stored messages in stream order, from memory or from a live read. */
export type AuditSource = Iterable<AuditItem> | AsyncIterable<AuditItem>;
