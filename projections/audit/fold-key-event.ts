import type { EventOf } from '../../events/index.ts';
import type { AuditItem } from './audit-item.ts';
import type { AuditState } from './audit-state.ts';
import type { NoEffect } from './no-effect.ts';
import { scopeNote } from './scope-note.ts';
import { violate } from './violate.ts';

const issued = (s: AuditState, e: EventOf<'key.issued'>, item: AuditItem): NoEffect | undefined => {
  const d = e.data;
  // Key ids are global (a token names no project): the first issue wins.
  if (s.keys.has(d.keyId)) return 'duplicate_key';
  s.keys.set(d.keyId, {
    keyId: d.keyId,
    project: d.project,
    pool: d.pool,
    models: d.models,
    labels: d.labels,
    exclusive: d.exclusive,
    maxUses: d.maxUses,
    expiresAt: d.expiresAt,
    issued: { seq: item.seq, event: e },
    uses: 0,
    revoked: undefined,
    usedBy: new Map(),
  });
  return undefined;
};

/** A use takes effect only as the next use of a live key of its project, within `maxUses`. */
const used = (s: AuditState, e: EventOf<'key.used'>, item: AuditItem): NoEffect | undefined => {
  const d = e.data;
  const here = { seq: item.seq, event: e };
  const key = s.keys.get(d.keyId);
  const what = `use ${d.use} of key ${d.keyId} (worker ${d.workerId})`;
  if (key === undefined) {
    violate(s, 'key_use_invalid', [here], `${what}: no such key${scopeNote(s)}`);
    return 'violation';
  }
  if (key.project !== d.project) {
    violate(
      s,
      'key_use_invalid',
      [key.issued, here],
      `${what} in project ${d.project}: the key is of ${key.project}`,
    );
    return 'violation';
  }
  if (key.revoked !== undefined) {
    violate(
      s,
      'key_use_invalid',
      [key.issued, key.revoked, here],
      `${what}: the key was revoked at seq ${key.revoked.seq}`,
    );
    return 'violation';
  }
  if (d.use > key.maxUses || key.uses >= key.maxUses) {
    violate(
      s,
      'key_overuse',
      [key.issued, here],
      `${what}: the key allows ${key.maxUses} use${key.maxUses === 1 ? '' : 's'} and ` +
        `${key.uses} ${key.uses === 1 ? 'was' : 'were'} made`,
    );
    return 'violation';
  }
  if (d.use !== key.uses + 1) {
    violate(
      s,
      'key_use_invalid',
      [key.issued, here],
      `${what}: ${key.uses} use${key.uses === 1 ? '' : 's'} so far, so the next is ${key.uses + 1}`,
    );
    return 'violation';
  }
  key.uses = d.use;
  key.usedBy.set(d.workerId, { ...here, at: item.at });
  return undefined;
};

const revoked = (
  s: AuditState,
  e: EventOf<'key.revoked'>,
  item: AuditItem,
): NoEffect | undefined => {
  const key = s.keys.get(e.data.keyId);
  if (key?.project !== e.data.project) return 'unknown_key';
  if (key.revoked !== undefined) return 'already_revoked';
  key.revoked = { seq: item.seq, event: e };
  return undefined;
};

/** An enrollment key's issue, use or revocation. Only a use can be a violation. */
export const foldKeyEvent = (
  s: AuditState,
  e: EventOf<'key.issued'> | EventOf<'key.used'> | EventOf<'key.revoked'>,
  item: AuditItem,
): NoEffect | undefined => {
  switch (e.type) {
    case 'key.issued':
      return issued(s, e, item);
    case 'key.used':
      return used(s, e, item);
    case 'key.revoked':
      return revoked(s, e, item);
    default: {
      const never: never = e;
      return never;
    }
  }
};
