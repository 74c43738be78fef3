import { timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { AuthSettings } from '../../config/index.js';
import { API_KEY_PREFIX, type ApiKeyStore } from '../../store/index.js';
import { HttpProblem } from '../problem.js';
import type { StreamScope, StreamTokens } from './stream-tokens.js';
import { LOCAL_USER } from './user-id.js';

/** No credentials, or ones that do not check out: always the same answer, so nothing is confirmed. */
export function unauthorized(): HttpProblem {
  return new HttpProblem(
    401,
    'unauthorized',
    'Send valid credentials: Authorization: Bearer <token or API key>.',
  );
}

/**
 * Turns a request's credentials into a user, by configuration: nobody to check (`none`, one local user),
 * JWTs (HS256 with a secret, or RS256/ES256 from a JWKS; `sub` is the user; expiry, not-before, issuer and
 * audience checked; the algorithm is fixed by configuration, so `alg: none` and HS/RS confusion fail), API
 * keys (looked up by hash), and stream tokens for the one run or socket they name.
 */
export class Authenticator {
  readonly #jwtKey: Uint8Array | JWTVerifyGetKey | undefined;
  readonly #algorithms: string[];

  constructor(
    private readonly auth: AuthSettings,
    private readonly apiKeys: ApiKeyStore,
    readonly streamTokens: StreamTokens,
  ) {
    if (auth.jwtSecret) {
      this.#jwtKey = new TextEncoder().encode(auth.jwtSecret);
      this.#algorithms = ['HS256'];
    } else if (auth.jwtJwksUrl) {
      this.#jwtKey = createRemoteJWKSet(new URL(auth.jwtJwksUrl));
      this.#algorithms = ['RS256', 'ES256'];
    } else {
      this.#algorithms = [];
    }
  }

  get enabled(): boolean {
    return this.auth.mode.length > 0;
  }

  /** The user of a bearer credential (JWT or API key); throws 401. */
  async userFor(authorization: string | undefined): Promise<string> {
    if (!this.enabled) return LOCAL_USER;
    const match = /^Bearer ([^\s]+)$/.exec(authorization ?? '');
    const credential = match?.[1];
    if (!credential) throw unauthorized();
    if (credential.startsWith(API_KEY_PREFIX)) {
      if (!this.auth.mode.includes('api_key')) throw unauthorized();
      const user = await this.apiKeys.userFor(credential);
      if (!user) throw unauthorized();
      return user;
    }
    if (!this.auth.mode.includes('jwt') || !this.#jwtKey) throw unauthorized();
    try {
      const { payload } = await jwtVerify(credential, this.#jwtKey as Uint8Array, {
        algorithms: this.#algorithms,
        issuer: this.auth.jwtIssuer,
        audience: this.auth.jwtAudience,
        requiredClaims: ['sub', 'exp'],
        clockTolerance: 5,
      });
      if (typeof payload.sub !== 'string' || payload.sub === '') throw unauthorized();
      return payload.sub;
    } catch {
      throw unauthorized();
    }
  }

  /** The user of a stream token made for `scope`; throws 401. */
  userForStreamToken(token: string, scope: StreamScope): string {
    if (!this.enabled) return LOCAL_USER;
    const user = this.streamTokens.verify(token, scope);
    if (!user) throw unauthorized();
    return user;
  }

  /** Admin routes: the configured ADMIN_TOKEN, compared in constant time; throws 401. */
  checkAdmin(authorization: string | undefined): void {
    const expected = this.auth.adminToken;
    const given = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    if (!expected || !given) throw unauthorized();
    const a = Buffer.from(given);
    const b = Buffer.from(expected);
    if (a.length !== b.length || !timingSafeEqual(a, b)) throw unauthorized();
  }
}
