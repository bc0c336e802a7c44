import { produce } from 'immer';
import { isReadable } from '../../events/index.ts';
import type { EventOf, FleetEvent, LogEntry } from '../../events/index.ts';
import type { KeyFoldRejectReason } from './fold-reject-reason.ts';
import { RECENT_REJECTIONS } from './state.ts';
import type { KeyState, RegistrarState } from './state.ts';

/** Why an event was refused, or nothing when it took effect. */
type Verdict = { reason: KeyFoldRejectReason; detail: string } | undefined;
const refuse = (reason: KeyFoldRejectReason, detail: string): Verdict => ({ reason, detail });

const record = (s: RegistrarState, seq: number, type: string, verdict: NonNullable<Verdict>) => {
  s.rejections.byReason[verdict.reason] = (s.rejections.byReason[verdict.reason] ?? 0) + 1;
  s.rejections.recent.push({ seq, type, ...verdict });
  const excess = s.rejections.recent.length - RECENT_REJECTIONS;
  if (excess > 0) s.rejections.recent.splice(0, excess);
};

/** Where an event sits in the log: its message's sequence and server time. */
interface Position {
  readonly seq: number;
  readonly at: number;
}

const issued = (s: RegistrarState, e: EventOf<'key.issued'>, p: Position): Verdict => {
  const d = e.data;
  // The first issue of an id wins everywhere: a token names no project, so ids are global.
  if (s.keys[d.keyId] !== undefined) return refuse('duplicate', `key ${d.keyId} exists`);
  s.keys[d.keyId] = {
    status: 'active',
    keyId: d.keyId,
    project: d.project,
    pool: d.pool,
    models: d.models,
    labels: d.labels,
    exclusive: d.exclusive,
    maxUses: d.maxUses,
    expiresAt: d.expiresAt,
    secretHash: d.secretHash,
    ...(d.name === undefined ? {} : { name: d.name }),
    issuedSeq: p.seq,
    issuedAt: p.at,
    uses: 0,
  };
  return undefined;
};

/** Finds the key an event names, refusing unknown keys and keys of another project. */
const keyFor = (
  s: RegistrarState,
  d: { keyId: string; project: string },
): { key: KeyState } | { refused: NonNullable<Verdict> } => {
  const key = s.keys[d.keyId];
  if (key === undefined) return { refused: { reason: 'unknown_key', detail: `no key ${d.keyId}` } };
  if (key.project !== d.project)
    return {
      refused: {
        reason: 'cross_project',
        detail: `key ${d.keyId} is of project ${key.project}, not ${d.project}`,
      },
    };
  return { key };
};

const used = (s: RegistrarState, e: EventOf<'key.used'>): Verdict => {
  const d = e.data;
  const found = keyFor(s, d);
  if ('refused' in found) return found.refused;
  const { key } = found;
  if (key.status === 'revoked') return refuse('revoked', `key ${d.keyId} is revoked`);
  if (key.uses >= key.maxUses)
    return refuse('exhausted', `key ${d.keyId} was used ${key.uses} of ${key.maxUses} times`);
  if (d.use !== key.uses + 1)
    return refuse('stale_use', `next use of key ${d.keyId} is ${key.uses + 1}, not ${d.use}`);
  key.uses = d.use;
  return undefined;
};

const revoked = (s: RegistrarState, e: EventOf<'key.revoked'>, p: Position): Verdict => {
  const d = e.data;
  const found = keyFor(s, d);
  if ('refused' in found) return found.refused;
  const { key } = found;
  if (key.status === 'revoked') return refuse('revoked', `key ${d.keyId} is already revoked`);
  s.keys[d.keyId] = {
    ...key,
    status: 'revoked',
    revokedSeq: p.seq,
    revokedAt: p.at,
    ...(d.reason === undefined ? {} : { reason: d.reason }),
  };
  return undefined;
};

const apply = (s: RegistrarState, e: FleetEvent, p: Position): Verdict => {
  switch (e.type) {
    case 'key.issued':
      return issued(s, e, p);
    case 'key.used':
      return used(s, e);
    case 'key.revoked':
      return revoked(s, e, p);
    default:
      // The registrar folds key subjects only, where the codec admits key events only.
      return refuse('not_a_key_event', `${e.type} is not a key event`);
  }
};

/**
 * The fold's recipe: applies one log entry to the registrar's state in place. An entry that is
 * unreadable, or invalid at its position (a use beyond `maxUses`, of a revoked or unknown key,
 * out of turn, across projects), changes nothing but the count of refusals by reason.
 */
export const evolveRecipe = (s: RegistrarState, entry: LogEntry): void => {
  if (entry.seq <= s.position) return; // already folded: replays are idempotent
  s.position = entry.seq;
  if (!isReadable(entry)) {
    const detail = `${entry.refused.code}: ${entry.refused.message}`;
    record(s, entry.seq, 'unreadable', { reason: 'unreadable', detail });
    return;
  }
  for (const event of entry.events) {
    const verdict = apply(s, event, entry);
    if (verdict !== undefined) record(s, entry.seq, event.type, verdict);
  }
};

/** The pure fold: the state after `entry`, sharing what did not change. */
export const evolve = (state: RegistrarState, entry: LogEntry): RegistrarState =>
  produce(state, (draft) => {
    evolveRecipe(draft, entry);
  });

/** Folds many entries at once (one immer draft for all of them). */
export const evolveAll = (state: RegistrarState, entries: Iterable<LogEntry>): RegistrarState =>
  produce(state, (draft) => {
    for (const entry of entries) evolveRecipe(draft, entry);
  });
