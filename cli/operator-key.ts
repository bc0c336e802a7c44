import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fromSeed } from '@nats-io/nkeys';
import { InvalidInputError } from '../client/index.ts';
import { OperatorPublicKey } from '../events/index.ts';
import { AUTH_FOLDER, AuthFiles } from '../security/auth-dir.ts';

const readText = async (path: string): Promise<string | undefined> => {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
};

/** The subject of a JWT (unverified: the key is all that is taken from it). */
const jwtSubject = (jwt: string): unknown => {
  const payload = jwt.split('.')[1] ?? '';
  try {
    return (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown })
      .sub;
  } catch {
    return undefined;
  }
};

/** `--operator-key`: an operator public key, or an input error naming the option. */
export const parseOperatorKey = (key: string, option: string): string => {
  const parsed = OperatorPublicKey.safeParse(key);
  if (!parsed.success)
    throw new InvalidInputError(option, `${option} "${key}" is not an operator public key (O…)`);
  return parsed.data;
};

/**
 * The operator's public key of a secure deployment's data dir: from the operator JWT, which is
 * public (an auditor need not read the seed), else from the operator seed.
 */
export const operatorKeyOf = async (dataDir: string): Promise<string> => {
  const dir = resolve(dataDir, AUTH_FOLDER);
  const jwt = await readText(join(dir, AuthFiles.operatorJwt));
  const sub = jwt === undefined ? undefined : jwtSubject(jwt);
  if (typeof sub === 'string') return parseOperatorKey(sub, `${AuthFiles.operatorJwt}'s subject`);
  const seed = await readText(join(dir, AuthFiles.operatorSeed));
  if (seed === undefined)
    throw new InvalidInputError(
      '--data-dir',
      `no operator key in ${dir}: neither ${AuthFiles.operatorJwt} nor ${AuthFiles.operatorSeed}`,
    );
  return fromSeed(new TextEncoder().encode(seed)).getPublicKey();
};
