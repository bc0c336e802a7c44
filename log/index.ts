/**
 * Fleet's event log on JetStream: appends (exclusive with expected-last-subject-sequence,
 * always deduplicable) and ordered, self-healing reads. Actors, projections, the audit and the
 * CLI all read it; it knows nothing of any of them.
 */
export { EventLog } from './event-log.ts';
export type { Appended, AppendOptions, LogLocation, Tail, TailItem } from './event-log.ts';
export { openRead } from './stream-read.ts';
export type { Heal, Read, ReadOptions, ReadStart, StoredItem } from './stream-read.ts';
export { parseAckSubject } from './ack-subject.ts';
export type { AckInfo } from './ack-subject.ts';
