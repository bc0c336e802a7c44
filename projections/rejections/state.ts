import { z } from 'zod';

/** What was refused: a claim at the dispatch boundary, a submission, or any other event. */
export const RejectionKind = {
  /** A claim the dispatcher refused (`claim.rejected`). */
  claim: 'claim',
  /** An unreadable message on a submit subject, or a submission the fold refused. */
  submission: 'submission',
  /** Any other event the fold refused (stale or forged reports...), or unreadable message. */
  event: 'event',
} as const;
export type RejectionKind = (typeof RejectionKind)[keyof typeof RejectionKind];

/** One refusal, as recorded for display. */
export interface RejectionRecord {
  readonly seq: number;
  readonly at: number;
  readonly kind: RejectionKind;
  /** The project whose subject it arrived on; null when that could not be made out. */
  readonly project: string | null;
  readonly pool: string | null;
  /** Event type, or `unreadable`. */
  readonly type: string;
  /** The fold's reason, the claim's reason, or the codec's error code. */
  readonly reason: string;
  readonly detail: string;
  readonly taskId: string | null;
  readonly workerId: string | null;
  /** It names a worker or project other than `project`: a project's own view redacts it. */
  readonly foreign: boolean;
}

/** Refusals by kind, project and reason, and the latest ones. */
export interface RejectionsState {
  /** Kind → project (`''` when unknown) → reason → count. */
  counts: Record<RejectionKind, Record<string, Record<string, number>>>;
  /** The latest {@link RECENT_REJECTIONS}, oldest first. */
  recent: RejectionRecord[];
  /** The latest {@link RECENT_REJECTIONS} of each project, oldest first. */
  recentByProject: Record<string, RejectionRecord[]>;
}

/** How many recent refusals are kept, overall and per project. */
export const RECENT_REJECTIONS = 50;

/** No refusals yet. */
export const initialRejectionsState = (): RejectionsState => ({
  counts: { claim: {}, submission: {}, event: {} },
  recent: [],
  recentByProject: {},
});

const Count = z.number().int().nonnegative();
const Counts = z.record(z.string(), z.record(z.string(), Count));
const Record_ = z.object({
  seq: Count,
  at: Count,
  kind: z.enum(RejectionKind),
  project: z.string().nullable(),
  pool: z.string().nullable(),
  type: z.string(),
  reason: z.string(),
  detail: z.string(),
  taskId: z.string().nullable(),
  workerId: z.string().nullable(),
  foreign: z.boolean(),
});

/** Validates a checkpointed rejections state. */
export const RejectionsStateSchema: z.ZodType<RejectionsState> = z.object({
  counts: z.object({ claim: Counts, submission: Counts, event: Counts }),
  recent: z.array(Record_),
  recentByProject: z.record(z.string(), z.array(Record_)),
});
