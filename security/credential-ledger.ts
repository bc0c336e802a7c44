import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fromPublic } from '@nats-io/nkeys';
import { z } from 'zod';
import { ErrorCode, FleetError } from '../events/index.ts';
import { withDirLock } from './dir-lock.ts';

/**
 * Seconds added to a revocation's time in the account JWT. The server refuses JWTs of the key
 * issued at or before it; a renewal decided just before the revocation was stored is still
 * covered.
 */
export const REVOCATION_MARGIN_S = 5;

/**
 * How long after a credential's expiry its revocation is still kept: the server refuses it by
 * then anyway, give or take the clocks of the hosts.
 */
export const EXPIRED_KEEP_MS = 60_000;

/** A NATS user public key (`U…`, checksum included). */
export const UserPublicKey = z.string().refine(
  (key) => {
    if (!/^U[A-Z2-7]{55}$/.test(key)) return false;
    try {
      fromPublic(key);
      return true;
    } catch {
      return false;
    }
  },
  { error: 'not a NATS user public key (U followed by 55 characters)' },
);

/** Credentials issued from the auth folder, as recorded when they were issued: no secret. */
export const IssuedCredential = z.object({
  publicKey: UserPublicKey,
  /** `producer`, or a service role (`admin`, `observer`, …). */
  role: z.string(),
  /** A producer's project. */
  project: z.string().optional(),
  /** The subject root they are scoped to. */
  root: z.string().optional(),
  /** Epoch ms. */
  issuedAt: z.number().int(),
  /** Epoch ms; none when they never expire (service credentials). */
  expiresAt: z.number().int().optional(),
});
export type IssuedCredential = z.infer<typeof IssuedCredential>;

/** A revocation made by the operator (`fleet creds revoke`), kept in the auth folder. */
export const UserRevocation = z.object({
  publicKey: UserPublicKey,
  /** Epoch ms: every JWT of the key issued until then (plus the margin) is refused. */
  revokedAt: z.number().int(),
  /** Epoch ms after which it is dropped; none keeps it for good (credentials that never expire). */
  keepUntil: z.number().int().optional(),
  role: z.string().optional(),
  project: z.string().optional(),
});
export type UserRevocation = z.infer<typeof UserRevocation>;

const IssuedFile = z.object({ issued: z.array(IssuedCredential) });
const RevocationsFile = z.object({ revocations: z.array(UserRevocation) });

/** Files of the ledger in the auth folder (public keys and times only: mode 0644). */
export const LedgerFiles = {
  issued: 'issued.json',
  revocations: 'revocations.json',
  lock: 'lock',
} as const;

/** The account JWT's form of a revocation: epoch seconds. */
export const revocationTime = (revokedAt: number): number =>
  Math.floor(revokedAt / 1000) + REVOCATION_MARGIN_S;

/**
 * What was issued from an auth folder, and which of those users the operator revoked. Shared by
 * every process using the folder (`fleet creds`, the registrar of `fleet up --secure`): each
 * reads the files afresh, and changes them under the folder's lock.
 */
export interface CredentialLedger {
  /**
   * Runs `fn` alone among the processes sharing the folder: whoever builds and pushes an
   * account JWT does so under it, so that the last push carries every revocation.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** The recorded credentials that have not expired, oldest first. */
  issued(): Promise<IssuedCredential[]>;
  /** The recorded credentials of `publicKey`, expired or not (while still recorded). */
  find(publicKey: string): Promise<IssuedCredential | undefined>;
  /** Records issued credentials (once per key); drops expired records. */
  record(credential: IssuedCredential): Promise<void>;
  /** The revocations still kept. */
  revocations(): Promise<UserRevocation[]>;
  /** Keeps a revocation (replacing an older one of the key); drops those past `keepUntil`. */
  revoke(revocation: UserRevocation): Promise<void>;
  /** The revocations still kept, as the account JWT lists them: public key → epoch seconds. */
  accountRevocations(): Promise<Record<string, number>>;
}

const readJson = async <T>(path: string, schema: z.ZodType<T>, empty: T): Promise<T> => {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return empty;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new FleetError(ErrorCode.InvalidInput, `${path} is not JSON; restore it from a backup`, {
      cause,
    });
  }
  const checked = schema.safeParse(parsed);
  if (!checked.success)
    throw new FleetError(
      ErrorCode.InvalidInput,
      `${path} is not a valid Fleet file (${checked.error.issues[0]?.message ?? 'invalid'}); ` +
        `restore it from a backup`,
      { cause: checked.error },
    );
  return checked.data;
};

const writeJson = async (path: string, value: unknown): Promise<void> => {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o644 });
  await chmod(tmp, 0o644);
  await rename(tmp, path);
};

/** The ledger of the auth folder `dir` (see {@link CredentialLedger}). */
export const openCredentialLedger = (
  dir: string,
  now: () => number = Date.now,
): CredentialLedger => {
  const issuedPath = join(dir, LedgerFiles.issued);
  const revocationsPath = join(dir, LedgerFiles.revocations);
  const exclusive = <T>(fn: () => Promise<T>) => withDirLock(join(dir, LedgerFiles.lock), fn);
  const allIssued = async () => (await readJson(issuedPath, IssuedFile, { issued: [] })).issued;
  const current = (c: IssuedCredential) => c.expiresAt === undefined || c.expiresAt > now();
  const kept = async () =>
    (await readJson(revocationsPath, RevocationsFile, { revocations: [] })).revocations.filter(
      (r) => r.keepUntil === undefined || r.keepUntil > now(),
    );

  return {
    exclusive,
    issued: async () => (await allIssued()).filter(current).sort((a, b) => a.issuedAt - b.issuedAt),
    find: async (publicKey) => (await allIssued()).find((c) => c.publicKey === publicKey),
    record: async (credential) => {
      const entry = IssuedCredential.parse(credential);
      // Every service start asks: a look without the lock spares them the writes.
      if ((await allIssued()).some((c) => c.publicKey === entry.publicKey)) return;
      await exclusive(async () => {
        const all = await allIssued();
        if (all.some((c) => c.publicKey === entry.publicKey)) return;
        await writeJson(issuedPath, { issued: [...all.filter(current), entry] });
      });
    },
    revocations: kept,
    revoke: async (revocation) => {
      const entry = UserRevocation.parse(revocation);
      await exclusive(async () => {
        const others = (await kept()).filter((r) => r.publicKey !== entry.publicKey);
        await writeJson(revocationsPath, { revocations: [...others, entry] });
      });
    },
    accountRevocations: async () => {
      const out: Record<string, number> = {};
      for (const r of await kept()) out[r.publicKey] = revocationTime(r.revokedAt);
      return out;
    },
  };
};
