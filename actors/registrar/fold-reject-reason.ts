/** Why the registrar's fold refused a key event: it is stored, but changes nothing. */
export const KeyFoldRejectReason = {
  /** The stored message did not decode (its codec code is recorded alongside). */
  unreadable: 'unreadable',
  /** A `key.issued` for a key id already issued (in any project). */
  duplicate: 'duplicate',
  /** A use or revocation of a key never issued. */
  unknownKey: 'unknown_key',
  /** The event names another project than the key's. */
  crossProject: 'cross_project',
  /** A use or revocation of a revoked key. */
  revoked: 'revoked',
  /** A use beyond the key's `maxUses`. */
  exhausted: 'exhausted',
  /** A use whose number is not the key's next one (the writer folded a stale state). */
  staleUse: 'stale_use',
  /** An event the registrar does not fold (not a key event). */
  notAKeyEvent: 'not_a_key_event',
} as const;
export type KeyFoldRejectReason = (typeof KeyFoldRejectReason)[keyof typeof KeyFoldRejectReason];
