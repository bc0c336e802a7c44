import { readFile } from 'node:fs/promises';
import { InvalidInputError } from '../client/invalid-input-error.ts';
import { UserCredentials } from './user-credentials.ts';

/** Why a file could not be read, from its errno code, without the path twice. */
const readProblem = (cause: unknown): string => {
  const code = (cause as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    default:
      return typeof code === 'string' ? code : 'unreadable';
  }
};

/**
 * Reads the NATS user credentials of a `.creds` file (as `fleet creds producer --out` writes
 * it). `option` names where the path came from (`--creds`, `NATS_CREDS`) for the messages.
 * Throws `InvalidInputError` when the file is missing or unreadable, is not a `.creds` file, its
 * JWT is not for its seed's key, or its JWT has expired. No message quotes the file's content:
 * the seed is a secret.
 */
export const readCredsFile = async (
  path: string,
  option: string,
  now: () => number = Date.now,
): Promise<UserCredentials> => {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new InvalidInputError(option, `${option}: cannot read ${path}: ${readProblem(cause)}`, {
      cause,
    });
  }
  let creds: UserCredentials;
  try {
    creds = UserCredentials.fromCreds(text);
  } catch (cause) {
    // The cause may quote the file (a JWT that is not JSON, say): it stays out of the message.
    throw new InvalidInputError(
      option,
      `${option}: ${path} is not a valid NATS .creds file (a user JWT and the seed of the ` +
        `same user, as fleet creds producer --out writes)`,
      { cause },
    );
  }
  const expiresAt = creds.expiresAt;
  if (expiresAt !== undefined && expiresAt <= now())
    throw new InvalidInputError(
      option,
      `${option}: the credentials in ${path} expired at ${new Date(expiresAt).toISOString()}; ` +
        `ask the operator for new ones`,
    );
  return creds;
};
