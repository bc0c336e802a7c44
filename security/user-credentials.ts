import { inspect } from 'node:util';
import { createUser, fromSeed } from '@nats-io/nkeys';
import type { KeyPair } from '@nats-io/nkeys';
import { jwtAuthenticator } from '@nats-io/transport-node';
import type { Authenticator } from '@nats-io/transport-node';
import { inboxPrefix } from './permissions.ts';
import { formatCreds, parseCreds, peekUserJwt } from './user-jwt.ts';

/** What a NATS client needs to connect as a user: give both to `connect`. */
export interface UserConnectOptions {
  readonly authenticator: Authenticator;
  /** The user's own reply prefix: its permissions allow no other inbox. */
  readonly inboxPrefix: string;
}

/**
 * A NATS user's credentials: its nkey pair (the seed never leaves this object except through
 * `creds()`) and its current user JWT, which `update` replaces on renewal. The authenticator
 * reads the current JWT at every (re)connect, so a renewed JWT takes effect on the next
 * reconnect. Printing or serialising the object shows the public key and expiry only.
 */
export class UserCredentials {
  readonly #pair: KeyPair;
  #jwt: string;
  /** Answers the server's nonce with the current JWT and a signature by the seed. */
  readonly authenticator: Authenticator;

  private constructor(pair: KeyPair, jwt: string) {
    this.#pair = pair;
    this.#jwt = UserCredentials.#check(pair, jwt);
    this.authenticator = jwtAuthenticator(
      () => this.#jwt,
      () => this.#pair.getSeed(),
    );
  }

  /** A fresh user key pair, for a user that asks someone to sign a JWT for it. */
  static newPair(): KeyPair {
    return createUser();
  }

  /** Credentials of `pair` with the JWT signed for its public key. */
  static of(pair: KeyPair, jwt: string): UserCredentials {
    return new UserCredentials(pair, jwt);
  }

  /** Credentials from the text of a `.creds` file. */
  static fromCreds(text: string): UserCredentials {
    const { jwt, seed } = parseCreds(text);
    return new UserCredentials(fromSeed(new TextEncoder().encode(seed)), jwt);
  }

  get publicKey(): string {
    return this.#pair.getPublicKey();
  }

  /** The reply prefix this user may subscribe to. */
  get inboxPrefix(): string {
    return inboxPrefix(this.publicKey);
  }

  /** Epoch ms after which the server refuses the current JWT; undefined when it never expires. */
  get expiresAt(): number | undefined {
    const exp = peekUserJwt(this.#jwt).exp;
    return exp === undefined || exp === 0 ? undefined : exp * 1000;
  }

  /** The current user JWT (not a secret on its own: it is useless without the seed). */
  jwt(): string {
    return this.#jwt;
  }

  /** Replaces the JWT with a renewed one for the same key. Throws for another key's JWT. */
  update(jwt: string): void {
    this.#jwt = UserCredentials.#check(this.#pair, jwt);
  }

  static #check(pair: KeyPair, jwt: string): string {
    const claims = peekUserJwt(jwt);
    if (claims.sub !== pair.getPublicKey())
      throw new Error(`the JWT is for user ${claims.sub}, not ${pair.getPublicKey()}`);
    return jwt;
  }

  /** Signs `data` with the seed (a renewal proof, say). */
  sign(data: Uint8Array): Uint8Array {
    return this.#pair.sign(data);
  }

  /** Options for `connect`: the authenticator and the inbox prefix. */
  connectOptions(): UserConnectOptions {
    return { authenticator: this.authenticator, inboxPrefix: this.inboxPrefix };
  }

  /** The `.creds` file text. A secret: write it with mode 0600, never log it. */
  creds(): string {
    return formatCreds(this.#jwt, this.#pair.getSeed());
  }

  toJSON(): { publicKey: string; expiresAt: number | undefined } {
    return { publicKey: this.publicKey, expiresAt: this.expiresAt };
  }

  [inspect.custom](): string {
    return `UserCredentials(${this.publicKey})`;
  }
}
