import type { EventOf } from '../../events/index.ts';
import type { At } from './audit-state.ts';

/** A launch of a one-shot worker as the audit folds it: requested, then started. */
export interface AuditLaunch {
  readonly launchId: string;
  readonly project: string;
  readonly pool: string;
  readonly taskId: string;
  readonly template: string;
  readonly keyId: string;
  readonly requested: At<EventOf<'launch.requested'>>;
  /** The demand of the task it was launched for, canonical (see `demandOf`). */
  readonly demand: string;
  started: At<EventOf<'launch.started'>> | undefined;
  workerId: string | undefined;
}

/**
 * What the audit keeps to re-derive the provisioners' rule: launches not yet failed (a started
 * one ends when its worker is gone), launches by key, and the stream sequence at which each
 * task and worker last changed (a decision is judged as of the sequence it was made on).
 */
export interface AuditLaunches {
  readonly live: Map<string, AuditLaunch>;
  /** Launch keys by key id, kept after the launch ends (a key is used once, ever). */
  readonly byKey: Map<string, AuditLaunch>;
  /** Last effective change by task key (`project/pool/taskId`) or worker key (`pool/workerId`). */
  readonly touched: Map<string, number>;
}

/** No launch yet. */
export const initialAuditLaunches = (): AuditLaunches => ({
  live: new Map(),
  byKey: new Map(),
  touched: new Map(),
});
