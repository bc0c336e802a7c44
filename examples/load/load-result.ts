import type { AuditReport } from '../../projections/audit/index.ts';
import type { IsolationReport } from '../verify-isolation.ts';
import type { Percentiles } from './percentiles.ts';

/** The worker killed midway and the attempts it held then (`project/taskId`, attempt). */
export interface KilledWorker {
  readonly workerId: string;
  readonly held: readonly { readonly key: string; readonly attempt: number }[];
}

/** What a run showed. */
export interface LoadResult {
  /** No leak, no lost task, the killed worker's tasks ended elsewhere, within the limit. */
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly elapsedMs: number;
  readonly submitted: number;
  /** Tasks by how they ended, as the stream's fold says. */
  readonly ended: Readonly<Record<string, number>>;
  /** Completed tasks per second, first submission to last completion. */
  readonly throughput: number;
  /** Submission to first assignment, and submission to completion, from stream timestamps. */
  readonly latency: { readonly toStart: Percentiles; readonly toComplete: Percentiles };
  /** The worker killed midway and the attempts it held then. */
  readonly killed: KilledWorker | undefined;
  /** How many of those attempts were given to another worker afterwards. */
  readonly rerouted: number;
  /** The HUD's URL with the operator token, while it ran. */
  readonly hudUrl: string;
  readonly report: IsolationReport;
  /** The independent auditor's verdict on the whole stream (`fleet audit`). */
  readonly audit: AuditReport;
}
