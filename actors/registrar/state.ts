import type { KeyId, LabelKey, Labels, ModelName, PoolId, ProjectId } from '../../events/index.ts';

/** Where a key is in its life as stored; expiry and exhaustion are read off its fields. */
export const KeyStatus = {
  active: 'active',
  revoked: 'revoked',
} as const;
export type KeyStatus = (typeof KeyStatus)[keyof typeof KeyStatus];

interface KeyCommon {
  readonly keyId: KeyId;
  readonly project: ProjectId;
  readonly pool: PoolId;
  /** Models an enrolling worker may serve; empty allows any. */
  readonly models: readonly ModelName[];
  /** Labels fixed on every worker enrolled with the key (they win over the worker's own). */
  readonly labels: Labels;
  readonly exclusive: readonly LabelKey[];
  readonly maxUses: number;
  /** Epoch ms; an enrollment at or after it is refused. */
  readonly expiresAt: number;
  /** Hex SHA-256 of the secret. The secret itself is never stored. */
  readonly secretHash: string;
  readonly name?: string;
  /** Sequence and server time of `key.issued`. */
  readonly issuedSeq: number;
  readonly issuedAt: number;
  /** Effective `key.used` events so far. */
  uses: number;
}

/** A key that may still admit workers (unless expired or exhausted). */
export interface ActiveKey extends KeyCommon {
  readonly status: 'active';
}

/** A key an operator withdrew; workers it admitted stay. */
export interface RevokedKey extends KeyCommon {
  readonly status: 'revoked';
  readonly revokedSeq: number;
  readonly revokedAt: number;
  readonly reason?: string;
}

/** An enrollment key as the registrar folded it. */
export type KeyState = ActiveKey | RevokedKey;

/** A refused event, kept for operators (the most recent few). */
export interface KeyFoldRejection {
  readonly seq: number;
  readonly type: string;
  readonly reason: string;
  readonly detail: string;
}

/** How many refused events the state keeps for display. */
export const RECENT_REJECTIONS = 50;

/** The folded state of every key (the subject's last sequence is the host's business). */
export interface RegistrarState {
  /** Last stream sequence folded. */
  position: number;
  /** Keys by id: ids are global, since a key token names no project. */
  keys: Record<string, KeyState>;
  /** Refused events by reason, and the latest ones. */
  rejections: { byReason: Record<string, number>; recent: KeyFoldRejection[] };
}

/** The registrar's state before any event. */
export const initialState = (): RegistrarState => ({
  position: 0,
  keys: {},
  rejections: { byReason: {}, recent: [] },
});
