import type { IsolationReport } from '../verify-isolation.ts';

/** What a run showed. */
export interface MultiTenantResult {
  /** No leak, every task completed, the refusal seen and recorded, within the limit. */
  readonly ok: boolean;
  /** What went wrong, if anything. */
  readonly problems: readonly string[];
  readonly elapsedMs: number;
  /** The dispatcher's answer to the cross-tenant claim, when it refused it. */
  readonly refusal: { readonly reason: string; readonly detail: string } | undefined;
  /** Stream sequence of the recorded `claim.rejected` for that claim. */
  readonly refusalSeq: number | undefined;
  /** Secure mode: the server's refusal of the worker's own cross-tenant claim. */
  readonly serverRefusal: string | undefined;
  /** The audit of the stream. */
  readonly report: IsolationReport;
}
