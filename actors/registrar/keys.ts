import { createHash, randomBytes } from 'node:crypto';
import {
  ConflictError,
  err,
  ErrorCode,
  FleetError,
  isId,
  isName,
  KeyIssued,
  KeyRevoked,
  ok,
  RefusedError,
} from '../../events/index.ts';
import type {
  KeyId,
  LabelKey,
  Labels,
  ModelName,
  PoolId,
  ProjectId,
  Result,
  Subjects,
} from '../../events/index.ts';
import type { EventLog } from '../../log/index.ts';
import { evolveRecipe } from './evolve.ts';
import { initialState } from './state.ts';
import type { KeyState, RegistrarState } from './state.ts';

/** Every printed key token starts so: `fk_<keyId>_<secret>`. */
export const KEY_TOKEN_PREFIX = 'fk_';
/** A secret is 256 random bits, printed as 43 base64url characters. */
const SECRET_BYTES = 32;
const SECRET = /^[A-Za-z0-9_-]{43}$/;
const DEFAULT_TTL_MS = 24 * 60 * 60 * 1000;

/** A key token or key options that do not fit the contract. Never quotes the secret. */
export class KeyError extends FleetError {
  override readonly name = 'KeyError';
}

/** A key token, split into the key it names and its secret. */
export interface KeyToken {
  readonly keyId: KeyId;
  readonly secret: string;
}

/** A fresh key id: `k` and 16 random hex digits. */
export const newKeyId = (): KeyId => `k${randomBytes(8).toString('hex')}` as KeyId;

/** A fresh secret: 256 random bits, base64url (43 characters). */
export const newSecret = (): string => randomBytes(SECRET_BYTES).toString('base64url');

/** The printed token of a key: `fk_<keyId>_<secret>`. */
export const formatKeyToken = (keyId: KeyId, secret: string): string =>
  `${KEY_TOKEN_PREFIX}${keyId}_${secret}`;

/**
 * Splits a token `fk_<keyId>_<secret>`. The secret is the last 43 characters (it may itself
 * hold `_`), so key ids with `_` parse too. Refuses anything else without quoting it.
 */
export const parseKeyToken = (token: string): Result<KeyToken, KeyError> => {
  const bad = err(
    new KeyError(ErrorCode.SchemaInvalid, 'not a Fleet key token (expected fk_<keyId>_<secret>)'),
  );
  if (!token.startsWith(KEY_TOKEN_PREFIX)) return bad;
  const body = token.slice(KEY_TOKEN_PREFIX.length);
  // `<keyId>_` then 43 secret characters: the separator sits 44 characters from the end.
  if (body.length < 45 || body[body.length - 44] !== '_') return bad;
  const secret = body.slice(-43);
  const keyId = body.slice(0, -44);
  if (!SECRET.test(secret) || !isId(keyId)) return bad;
  return ok({ keyId: keyId as KeyId, secret });
};

/** Hex SHA-256 of a secret's text: what `key.issued` stores and enrollment compares. */
export const hashSecret = (secret: string): string =>
  createHash('sha256').update(secret, 'utf8').digest('hex');

/** The filter of every key subject (or one project's), built from the subject builder. */
export const keysFilter = (subjects: Subjects, project?: ProjectId): string =>
  subjects.key(project ?? ('*' as ProjectId), '*' as KeyId);

/** Options of `issueKey`. */
export interface IssueKeyOptions {
  readonly project: string;
  readonly pool: string;
  /** Models enrolled workers may serve; empty or absent allows any. */
  readonly models?: readonly string[];
  /** Labels fixed on every enrolled worker (they override the worker's own). */
  readonly labels?: Labels;
  /** Exclusive label keys of every enrolled worker. */
  readonly exclusive?: readonly string[];
  /** How many workers may enroll with it (default 1). */
  readonly maxUses?: number;
  /** Lifetime from `now` (default 24 hours). */
  readonly ttlMs?: number;
  /** A note for operators. */
  readonly name?: string;
  /** The clock (default `Date.now()`). */
  readonly now?: number;
  /** Choose the id instead of a random one (ids are global across projects). */
  readonly keyId?: string;
}

/** A newly issued key. `secret` and `token` exist only here: print them once. */
export interface IssuedKey {
  readonly keyId: KeyId;
  readonly secret: string;
  /** `fk_<keyId>_<secret>`, what a worker presents. */
  readonly token: string;
  readonly expiresAt: number;
  /** Stream sequence of `key.issued`. */
  readonly seq: number;
}

/**
 * Issues an enrollment key: draws a 256-bit secret and appends `key.issued` carrying only its
 * SHA-256. The append is exclusive on the new key's subject, so an id is issued once per
 * project (and the registrar's fold keeps only the first issue of an id across projects).
 * Throws `KeyError` for invalid options, `RefusedError('key_exists')` for a taken id.
 */
export const issueKey = async (log: EventLog, options: IssueKeyOptions): Promise<IssuedKey> => {
  const now = options.now ?? Date.now();
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0)
    throw new KeyError(ErrorCode.SchemaInvalid, `ttlMs must be a positive integer, not ${ttlMs}`);
  const secret = newSecret();
  const parsed = KeyIssued.safeParse({
    type: 'key.issued',
    data: {
      keyId: options.keyId ?? newKeyId(),
      project: options.project,
      pool: options.pool,
      models: options.models ?? [],
      labels: options.labels ?? {},
      exclusive: options.exclusive ?? [],
      maxUses: options.maxUses ?? 1,
      expiresAt: now + ttlMs,
      secretHash: hashSecret(secret),
      ...(options.name === undefined ? {} : { name: options.name }),
    },
    meta: { at: now },
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? '' : issue.path.slice(1).map(String).join('.');
    throw new KeyError(
      ErrorCode.SchemaInvalid,
      `invalid key options: ${where === '' ? '' : `${where}: `}${issue?.message ?? 'invalid'}`,
    );
  }
  const event = parsed.data;
  const { keyId, project } = event.data;
  try {
    const appended = await log.append(log.subjects.key(project, keyId), event, {
      expectedLastSubjectSeq: 0,
    });
    return {
      keyId,
      secret,
      token: formatKeyToken(keyId, secret),
      expiresAt: event.data.expiresAt,
      seq: appended.seq,
    };
  } catch (e) {
    if (e instanceof ConflictError)
      throw new RefusedError('key_exists', `key ${keyId} exists in project ${project}`, {
        cause: e,
      });
    throw e;
  }
};

/** Where a key stands for display: stored status, or why an active key no longer admits. */
export type KeySummaryStatus = 'active' | 'revoked' | 'expired' | 'exhausted';

/** A key as operators see it: everything but the secret's hash. */
export interface KeySummary {
  readonly keyId: KeyId;
  readonly project: ProjectId;
  readonly pool: PoolId;
  readonly models: readonly ModelName[];
  readonly labels: Labels;
  readonly exclusive: readonly LabelKey[];
  readonly maxUses: number;
  readonly uses: number;
  readonly expiresAt: number;
  readonly issuedAt: number;
  readonly name?: string;
  /** `revoked` first, then `expired` (at `now`), then `exhausted`, else `active`. */
  readonly status: KeySummaryStatus;
  readonly revokedAt?: number;
  readonly reason?: string;
}

/** A key's summary at `now`; the hash is left out by construction. */
export const summarizeKey = (key: KeyState, now: number): KeySummary => ({
  keyId: key.keyId,
  project: key.project,
  pool: key.pool,
  models: key.models,
  labels: key.labels,
  exclusive: key.exclusive,
  maxUses: key.maxUses,
  uses: key.uses,
  expiresAt: key.expiresAt,
  issuedAt: key.issuedAt,
  ...(key.name === undefined ? {} : { name: key.name }),
  status:
    key.status === 'revoked'
      ? 'revoked'
      : now >= key.expiresAt
        ? 'expired'
        : key.uses >= key.maxUses
          ? 'exhausted'
          : 'active',
  ...(key.status === 'revoked'
    ? { revokedAt: key.revokedAt, ...(key.reason === undefined ? {} : { reason: key.reason }) }
    : {}),
});

/** Folds what is stored on `filter` so far into a registrar state, then stops reading. */
const foldNow = async (log: EventLog, filter: string): Promise<RegistrarState> => {
  const state = initialState();
  const tail = await log.tail(filter, 1, (item) => {
    evolveRecipe(state, item.entry);
  });
  try {
    await tail.caughtUp;
  } finally {
    await tail.stop();
  }
  return state;
};

/** Lists keys (of one project, or all) in the order they were issued, without their hashes. */
export const listKeys = async (
  log: EventLog,
  options: { project?: string; now?: number } = {},
): Promise<KeySummary[]> => {
  const project = options.project;
  if (project !== undefined && !isName(project))
    throw new KeyError(ErrorCode.BadName, `"${project}" is not a project name`);
  const state = await foldNow(log, keysFilter(log.subjects, project as ProjectId | undefined));
  const now = options.now ?? Date.now();
  return Object.values(state.keys)
    .sort((a, b) => a.issuedSeq - b.issuedSeq)
    .map((k) => summarizeKey(k, now));
};

/**
 * Revokes a key: enrollments with it are refused from then on; workers it admitted stay.
 * Throws `RefusedError('unknown_key')` when the project has no such key and
 * `RefusedError('revoked')` when it is already revoked.
 */
export const revokeKey = async (
  log: EventLog,
  project: string,
  keyId: string,
  reason?: string,
): Promise<{ seq: number }> => {
  const event = KeyRevoked.safeParse({
    type: 'key.revoked',
    data: { keyId, project, ...(reason === undefined ? {} : { reason }) },
    meta: { at: Date.now() },
  });
  if (!event.success)
    throw new KeyError(
      ErrorCode.SchemaInvalid,
      `invalid revocation: ${event.error.issues[0]?.message ?? 'invalid'}`,
    );
  const { data } = event.data;
  const subject = log.subjects.key(data.project, data.keyId);
  const key = (await foldNow(log, subject)).keys[data.keyId];
  if (key?.project !== data.project)
    throw new RefusedError('unknown_key', `no key ${keyId} in project ${project}`);
  if (key.status === 'revoked')
    throw new RefusedError('revoked', `key ${keyId} is already revoked`);
  const appended = await log.append(subject, event.data);
  return { seq: appended.seq };
};
