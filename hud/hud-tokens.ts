import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ProjectId } from '../events/index.ts';
import type { Scope } from '../projections/index.ts';

/** Who may read the HUD: operators see every project, a project token sees only its project. */
export interface HudTokens {
  /** Tokens that see the whole fleet. */
  readonly operator: readonly string[];
  /** Project tokens: token → the one project it sees. */
  readonly projects: Readonly<Record<string, ProjectId>>;
}

interface Grant {
  readonly digest: Buffer;
  readonly scope: Scope;
}

const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/**
 * Resolves presented tokens to the scope they grant. Every known token is compared, in
 * constant time over equal-length digests, whatever matched first: how long a lookup takes
 * says nothing about which token (or how much of one) was right.
 */
export class TokenTable {
  readonly #grants: readonly Grant[];

  constructor(tokens: HudTokens) {
    const grants: Grant[] = [];
    for (const token of tokens.operator)
      if (token !== '') grants.push({ digest: digest(token), scope: { kind: 'operator' } });
    for (const [token, project] of Object.entries(tokens.projects))
      if (token !== '') grants.push({ digest: digest(token), scope: { kind: 'project', project } });
    this.#grants = grants;
  }

  /** The scope `token` grants, or undefined for none or an unknown token. */
  scopeOf(token: string | undefined): Scope | undefined {
    if (token === undefined || token === '') return undefined;
    const presented = digest(token);
    let found: Scope | undefined;
    for (const grant of this.#grants)
      if (timingSafeEqual(grant.digest, presented) && found === undefined) found = grant.scope;
    return found;
  }
}

/**
 * The token a request presents: `Authorization: Bearer <token>`, else the `token` query
 * parameter (an EventSource, and a page opened from a link, cannot set headers).
 */
export const presentedToken = (req: IncomingMessage, url: URL): string | undefined => {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match?.[1];
  }
  return url.searchParams.get('token') ?? undefined;
};
