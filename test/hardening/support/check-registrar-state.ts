import { RECENT_REJECTIONS } from '../../../actors/registrar/index.ts';
import type { RegistrarState } from '../../../actors/registrar/index.ts';

const STATUSES: ReadonlySet<string> = new Set(['active', 'revoked']);

const fail = (message: string): never => {
  throw new Error(`registrar state invalid: ${message}`);
};

/**
 * Throws when the registrar's folded keys break an invariant, whatever the log held: keys are
 * own entries under their id, a key's effective uses never exceed its `maxUses`, a revoked key
 * records when, and the recent rejections stay bounded.
 */
export const checkRegistrarState = (s: RegistrarState): void => {
  for (const [what, o] of Object.entries({ keys: s.keys, byReason: s.rejections.byReason }))
    if (typeof o !== 'object' || Object.getPrototypeOf(o) !== Object.prototype)
      fail(`${what} is not a plain object`);
  if (s.rejections.recent.length > RECENT_REJECTIONS)
    fail(`${s.rejections.recent.length} recent rejections kept`);
  for (const [reason, n] of Object.entries(s.rejections.byReason))
    if (!Number.isSafeInteger(n) || n <= 0) fail(`rejection count ${reason} is ${n}`);
  for (const [id, k] of Object.entries(s.keys)) {
    if (k.keyId !== id) fail(`key keyed ${id} has id ${k.keyId}`);
    if (!/^[0-9a-f]{64}$/.test(k.secretHash)) fail(`key ${id} keeps something else than a hash`);
    if (!Number.isSafeInteger(k.uses) || k.uses < 0 || k.uses > k.maxUses)
      fail(`key ${id} was used ${k.uses} of ${k.maxUses} times`);
    if (k.status === 'revoked' && !(k.revokedSeq > k.issuedSeq))
      fail(`key ${id} revoked at ${k.revokedSeq}, issued at ${k.issuedSeq}`);
    if (!STATUSES.has(k.status)) fail(`key ${id} is ${k.status}`);
  }
};
