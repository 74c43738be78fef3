import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** What a stream token allows: reading one run's events, or opening one WebSocket. */
export type StreamScope = `run:${string}` | 'ws';

interface Claims {
  sub: string;
  scope: StreamScope;
  /** Expiry, epoch ms. */
  exp: number;
}

/**
 * Short-lived tokens for clients that cannot set headers (EventSource, WebSocket in browsers): a signed,
 * expiring claim `{sub, scope, exp}`, valid only for what `scope` names.
 */
export class StreamTokens {
  readonly #secret: Buffer;

  constructor(
    secret: string | undefined,
    private readonly ttlMs: number,
  ) {
    // Without a configured secret, tokens are valid on this instance only (documented).
    this.#secret = secret ? Buffer.from(secret) : randomBytes(32);
  }

  issue(userId: string, scope: StreamScope, now = Date.now()): { token: string; expires_at: string } {
    const claims: Claims = { sub: userId, scope, exp: now + this.ttlMs };
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return { token: `${body}.${this.#sign(body)}`, expires_at: new Date(claims.exp).toISOString() };
  }

  /** The user, when the token is genuine, unexpired and made for `scope`; otherwise undefined. */
  verify(token: string, scope: StreamScope, now = Date.now()): string | undefined {
    const [body, signature, extra] = token.split('.');
    if (!body || !signature || extra !== undefined) return undefined;
    const expected = Buffer.from(this.#sign(body));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let claims: Claims;
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Claims;
    } catch {
      return undefined;
    }
    if (typeof claims.sub !== 'string' || claims.scope !== scope || !(claims.exp > now)) return undefined;
    return claims.sub;
  }

  #sign(body: string): string {
    return createHmac('sha256', this.#secret).update(body).digest('base64url');
  }
}
