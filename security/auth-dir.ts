import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DEFAULT_ROOT, ErrorCode, FleetError } from '../events/index.ts';
import {
  authMaterialFromSeeds,
  createAuthMaterial,
  encodeFleetAccountJwt,
  encodeOperatorJwt,
  encodeSystemAccountJwt,
  seedText,
} from './auth-material.ts';
import type { AuthMaterial } from './auth-material.ts';
import { LedgerFiles, openCredentialLedger } from './credential-ledger.ts';
import type { CredentialLedger } from './credential-ledger.ts';
import {
  fleetSigner,
  issueServiceCreds,
  servicePermissions,
  serviceUserName,
} from './issue-creds.ts';
import type { Deployment, ServiceRole } from './issue-creds.ts';
import { serverConfig } from './server-config.ts';
import { UserCredentials } from './user-credentials.ts';
import { grantsExactly, peekUserJwt, verifyUserJwt } from './user-jwt.ts';

/** The folder under the data dir that holds the auth material. */
export const AUTH_FOLDER = 'auth';

/** Files of the auth folder. Seeds (`.nk`) and creds are mode 0600; JWTs and config 0644. */
export const AuthFiles = {
  operatorSeed: 'operator.nk',
  systemSeed: 'system.nk',
  accountSeed: 'account.nk',
  accountSignerSeed: 'account-signer.nk',
  operatorJwt: 'operator.jwt',
  systemJwt: 'system.jwt',
  accountJwt: 'account.jwt',
  serverConfig: 'server.conf',
  credsFolder: 'creds',
  /** Credentials issued (public keys, roles, expiry: no secret). */
  issued: LedgerFiles.issued,
  /** The operator's revocations (`fleet creds revoke`). */
  revocations: LedgerFiles.revocations,
} as const;

/** The auth material of a data dir, and the files derived from it. */
export interface AuthDir {
  /** `<dataDir>/auth`, absolute. */
  readonly dir: string;
  readonly material: AuthMaterial;
  /** True when this call generated the material (first run). */
  readonly created: boolean;
  /** The nats-server configuration: pass it with `-c`. */
  readonly configPath: string;
  /** The current Fleet account JWT, revocations included (as this process last read or wrote it). */
  accountJwt(): string;
  /**
   * Reads the Fleet account JWT from the folder again: another process (the registrar, `fleet
   * creds revoke`) may have stored a newer one.
   */
  reloadAccountJwt(): Promise<string>;
  /** What was issued from the folder (producers, services) and the operator's revocations. */
  readonly ledger: CredentialLedger;
  /**
   * Stores a new Fleet account JWT (after a revocation) and rewrites the server config with it,
   * so a restarted server starts with the revocations in force.
   */
  saveAccountJwt(jwt: string): Promise<void>;
  /** Where a service's creds file lives. */
  credsPath(role: ServiceRole): string;
  /**
   * The credentials of a service for a deployment: the stored ones when they are for this
   * deployment, signed by the current signing key and not revoked (`fleet creds revoke`), else
   * new ones, written (mode 0600). Either way they are recorded in the ledger.
   */
  serviceCreds(role: ServiceRole, deployment?: Deployment): Promise<UserCredentials>;
}

const SECRET = 0o600;
const PUBLIC = 0o644;

/** Writes through a temporary file and a rename, so no reader sees half a file; sets the mode. */
const writeAtomic = async (path: string, text: string, mode: number): Promise<void> => {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode });
  // The mode of `writeFile` applies only to a new file, and the umask may narrow it.
  await chmod(tmp, mode);
  await rename(tmp, path);
};

const readText = async (path: string): Promise<string | undefined> => {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
};

/**
 * Opens the auth material of `dataDir` (`<dataDir>/auth`), generating it on first use when
 * `create` is set: operator, system account, Fleet account and its signing key (seeds mode
 * 0600), their JWTs, and the nats-server config. Idempotent: an existing folder is read as is,
 * with its revocations. Throws `FleetError(invalid_input)` when there is none and `create` is
 * not set, or when the folder is incomplete.
 */
export const openAuthDir = async (
  dataDir: string,
  options: { readonly create?: boolean } = {},
): Promise<AuthDir> => {
  const dir = resolve(dataDir, AUTH_FOLDER);
  const file = (name: string) => join(dir, name);
  const seeds = await Promise.all(
    [
      AuthFiles.operatorSeed,
      AuthFiles.systemSeed,
      AuthFiles.accountSeed,
      AuthFiles.accountSignerSeed,
    ].map((f) => readText(file(f))),
  );
  const [operator, system, account, accountSigner] = seeds;
  let material: AuthMaterial;
  let created = false;
  if (
    operator !== undefined &&
    system !== undefined &&
    account !== undefined &&
    accountSigner !== undefined
  ) {
    material = authMaterialFromSeeds({ operator, system, account, accountSigner });
  } else if (seeds.some((s) => s !== undefined)) {
    throw new FleetError(
      ErrorCode.InvalidInput,
      `the auth folder ${dir} is incomplete (some seeds are missing); restore it from a backup`,
    );
  } else if (options.create !== true) {
    throw new FleetError(
      ErrorCode.InvalidInput,
      `no auth material in ${dir}: run \`fleet up --secure --data-dir ${dataDir}\` first`,
    );
  } else {
    material = createAuthMaterial();
    created = true;
    await mkdir(file(AuthFiles.credsFolder), { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    await writeAtomic(file(AuthFiles.operatorSeed), `${seedText(material.operator)}\n`, SECRET);
    await writeAtomic(file(AuthFiles.systemSeed), `${seedText(material.system)}\n`, SECRET);
    await writeAtomic(file(AuthFiles.accountSeed), `${seedText(material.account)}\n`, SECRET);
    await writeAtomic(
      file(AuthFiles.accountSignerSeed),
      `${seedText(material.accountSigner)}\n`,
      SECRET,
    );
  }
  await mkdir(file(AuthFiles.credsFolder), { recursive: true, mode: 0o700 });
  const writeConfigOf = (j: { operator: string; system: string; account: string }) =>
    writeAtomic(
      file(AuthFiles.serverConfig),
      serverConfig({
        operatorJwt: j.operator,
        systemAccount: material.system.getPublicKey(),
        accounts: {
          [material.system.getPublicKey()]: j.system,
          [material.account.getPublicKey()]: j.account,
        },
      }),
      PUBLIC,
    );

  const ledger = openCredentialLedger(dir);
  const configPath = file(AuthFiles.serverConfig);
  // The JWTs are derived, so they are rewritten when missing; the account JWT keeps revocations.
  const derived = async () => {
    const operator =
      (await readText(file(AuthFiles.operatorJwt)))?.trim() ?? (await encodeOperatorJwt(material));
    const system =
      (await readText(file(AuthFiles.systemJwt)))?.trim() ??
      (await encodeSystemAccountJwt(material));
    const account =
      (await readText(file(AuthFiles.accountJwt)))?.trim() ??
      (await encodeFleetAccountJwt(material, await ledger.accountRevocations()));
    return { operator, system, account };
  };
  // Under the lock: a registrar of this folder may be storing a new account JWT meanwhile.
  const jwts = await ledger.exclusive(async () => {
    const found = await derived();
    await writeAtomic(file(AuthFiles.operatorJwt), `${found.operator}\n`, PUBLIC);
    await writeAtomic(file(AuthFiles.systemJwt), `${found.system}\n`, PUBLIC);
    await writeAtomic(file(AuthFiles.accountJwt), `${found.account}\n`, PUBLIC);
    await writeConfigOf(found);
    return found;
  });
  const { operator: operatorJwt, system: systemJwt } = jwts;
  let accountJwt = jwts.account;
  const writeConfig = () =>
    writeConfigOf({ operator: operatorJwt, system: systemJwt, account: accountJwt });

  const credsPath = (role: ServiceRole) => join(dir, AuthFiles.credsFolder, `${role}.creds`);
  const signerOf = (role: ServiceRole) =>
    role === 'system'
      ? { account: material.system.getPublicKey(), signer: material.system.getPublicKey() }
      : {
          account: material.account.getPublicKey(),
          signer: fleetSigner(material).key.getPublicKey(),
        };

  return {
    dir,
    material,
    created,
    configPath,
    accountJwt: () => accountJwt,
    reloadAccountJwt: async () => {
      accountJwt = (await readText(file(AuthFiles.accountJwt)))?.trim() ?? accountJwt;
      return accountJwt;
    },
    ledger,
    saveAccountJwt: (jwt) =>
      ledger.exclusive(async () => {
        accountJwt = jwt;
        await writeAtomic(file(AuthFiles.accountJwt), `${jwt}\n`, PUBLIC);
        await writeConfig();
      }),
    credsPath,
    serviceCreds: async (role, deployment = {}) => {
      const path = credsPath(role);
      const stored = await readText(path);
      const revoked = new Set((await ledger.revocations()).map((r) => r.publicKey));
      const record = async (creds: UserCredentials) => {
        await ledger.record({
          publicKey: creds.publicKey,
          role,
          ...(role === 'admin' || role === 'system'
            ? {}
            : { root: deployment.root ?? DEFAULT_ROOT }),
          issuedAt: peekUserJwt(creds.jwt()).iat * 1000,
          ...(creds.expiresAt === undefined ? {} : { expiresAt: creds.expiresAt }),
        });
        return creds;
      };
      let reusable: UserCredentials | undefined;
      if (stored !== undefined) {
        try {
          const creds = UserCredentials.fromCreds(stored);
          const claims = verifyUserJwt(creds.jwt(), signerOf(role));
          const expired = creds.expiresAt !== undefined && creds.expiresAt <= Date.now();
          if (
            claims?.name === serviceUserName(role, deployment) &&
            // Credentials of an older version with other (broader) rights are issued anew.
            grantsExactly(claims.nats, servicePermissions(role, creds.publicKey, deployment)) &&
            !expired &&
            !revoked.has(creds.publicKey)
          )
            reusable = creds;
        } catch {
          // Unreadable: replaced below.
        }
      }
      if (reusable !== undefined) return record(reusable);
      const creds = await issueServiceCreds(material, role, deployment);
      await writeAtomic(path, creds.creds(), SECRET);
      return record(creds);
    },
  };
};
