import { encodeAccount, encodeOperator } from '@nats-io/jwt';
import type { Account, OperatorLimits } from '@nats-io/jwt';
import { createAccount, createOperator, fromSeed } from '@nats-io/nkeys';
import type { KeyPair } from '@nats-io/nkeys';

/**
 * The roots of trust of a secure deployment: an operator, its system account, and the Fleet
 * account whose users (workers, producers, services) are signed by a separate account signing
 * key. Seeds are secrets: they are written only to files of mode 0600 and never printed.
 */
export interface AuthMaterial {
  /** Signs the account JWTs; kept offline in a production setup. */
  readonly operator: KeyPair;
  /** The server's own account (`$SYS`), where account JWT updates are pushed from. */
  readonly system: KeyPair;
  /** The Fleet account's identity. */
  readonly account: KeyPair;
  /** Signs every Fleet user JWT; what the registrar and `fleet creds` hold. */
  readonly accountSigner: KeyPair;
}

/** Names written into the JWTs, for operators reading them. */
export const OPERATOR_NAME = 'fleet-operator';
export const SYSTEM_ACCOUNT_NAME = 'SYS';
export const FLEET_ACCOUNT_NAME = 'FLEET';

/** Draws a new operator, system account, Fleet account and Fleet signing key. */
export const createAuthMaterial = (): AuthMaterial => ({
  operator: createOperator(),
  system: createAccount(),
  account: createAccount(),
  accountSigner: createAccount(),
});

/** Rebuilds the material from seeds (as stored). Throws on a seed of the wrong kind. */
export const authMaterialFromSeeds = (seeds: {
  readonly operator: string;
  readonly system: string;
  readonly account: string;
  readonly accountSigner: string;
}): AuthMaterial => {
  const load = (what: string, seed: string, prefix: string): KeyPair => {
    const kp = fromSeed(new TextEncoder().encode(seed.trim()));
    if (!kp.getPublicKey().startsWith(prefix))
      throw new Error(`the ${what} seed is not an ${prefix === 'O' ? 'operator' : 'account'} seed`);
    return kp;
  };
  return {
    operator: load('operator', seeds.operator, 'O'),
    system: load('system account', seeds.system, 'A'),
    account: load('Fleet account', seeds.account, 'A'),
    accountSigner: load('Fleet account signing', seeds.accountSigner, 'A'),
  };
};

/** Every key of the material. */
export const allKeys = (m: AuthMaterial): KeyPair[] => [
  m.operator,
  m.system,
  m.account,
  m.accountSigner,
];

/** A seed as text (`SO…`, `SA…`, `SU…`). */
export const seedText = (kp: KeyPair): string => new TextDecoder().decode(kp.getSeed());

/**
 * Connection and subscription limits. A JWT that leaves one out means 0 to nats-server — no
 * connection at all (`maximum account active connections exceeded`) — so every one is explicit.
 */
const OPEN_LIMITS: OperatorLimits = {
  subs: -1,
  data: -1,
  payload: -1,
  imports: -1,
  exports: -1,
  wildcards: true,
  conn: -1,
  leaf: -1,
};

/** JetStream for the Fleet account: without these limits the account has no JetStream. */
const JETSTREAM_LIMITS: OperatorLimits = {
  mem_storage: -1,
  disk_storage: -1,
  streams: -1,
  consumer: -1,
};

/** The operator JWT, self-signed, naming the system account. */
export const encodeOperatorJwt = (m: AuthMaterial): Promise<string> =>
  encodeOperator(OPERATOR_NAME, m.operator, { system_account: m.system.getPublicKey() });

/** The system account JWT, signed by the operator. */
export const encodeSystemAccountJwt = (m: AuthMaterial): Promise<string> =>
  encodeAccount(SYSTEM_ACCOUNT_NAME, m.system, { limits: OPEN_LIMITS }, { signer: m.operator });

/**
 * The Fleet account JWT, signed by the operator: JetStream enabled, users signed by the signing
 * key, and `revocations` (user public key → epoch seconds): the server refuses, and disconnects,
 * every user JWT of that key issued at or before that time.
 */
export const encodeFleetAccountJwt = (
  m: AuthMaterial,
  revocations: Readonly<Record<string, number>> = {},
): Promise<string> => {
  const account: Partial<Account> = {
    limits: { ...OPEN_LIMITS, ...JETSTREAM_LIMITS },
    signing_keys: [m.accountSigner.getPublicKey()],
    ...(Object.keys(revocations).length === 0 ? {} : { revocations: { ...revocations } }),
  };
  return encodeAccount(FLEET_ACCOUNT_NAME, m.account, account, { signer: m.operator });
};
