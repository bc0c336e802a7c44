/**
 * Fleet's event log on JetStream: appends (exclusive with expected-last-subject-sequence,
 * always deduplicable) and ordered, self-healing reads; and values larger than one KV value,
 * which actor snapshots and projection checkpoints both need. Actors, projections, the audit
 * and the CLI all use it; it knows nothing of any of them.
 */
export { EventLog } from './event-log.ts';
export type { Appended, AppendOptions, LogLocation, Tail, TailItem } from './event-log.ts';
export type { LimitsSigner } from './record-limits.ts';
export { healLine } from './heal-line.ts';
export { openRead } from './stream-read.ts';
export type { Heal, Read, ReadOptions, ReadStart, StoredItem } from './stream-read.ts';
export { parseAckSubject } from './ack-subject.ts';
export type { AckInfo } from './ack-subject.ts';
export { ChunkedValues } from './chunked-values.ts';
export { readLines, SPREAD_OVER, writeLines } from './json-lines.ts';
