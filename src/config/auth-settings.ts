import { z } from 'zod';
import { envSection, int, secret } from './env-section.js';

/** Who may call, and the credentials that say so. */
export const authSettings = envSection('AUTH_', {
  /** Who may call: `none` (one local user), or `jwt`, `api_key`, or both comma-separated. @default none */
  AUTH_MODE: z
    .string()
    .default('none')
    .transform((v, ctx) => {
      const modes = v.split(',').map((m) => m.trim());
      const ok = v === 'none' || (modes.length > 0 && modes.every((m) => m === 'jwt' || m === 'api_key'));
      if (!ok) ctx.addIssue({ code: 'custom', message: 'must be none, jwt, api_key, or jwt,api_key' });
      return v === 'none' ? [] : (modes as ('jwt' | 'api_key')[]);
    }),
  /** HS256 secret for JWTs (at least 32 characters). */
  JWT_SECRET: secret().optional(),
  /** JWKS URL for RS256/ES256 JWTs. */
  JWT_JWKS_URL: z.url({ error: 'must be a URL' }).optional(),
  JWT_ISSUER: z.string().min(1).optional(),
  JWT_AUDIENCE: z.string().min(1).optional(),
  /** Bearer token of the admin routes (API keys). */
  ADMIN_TOKEN: secret().optional(),
  /** Signs stream tokens; instances behind one load balancer need the same. Default: random per process. */
  STREAM_TOKEN_SECRET: secret().optional(),
  /** Lifetime of a stream token. @default 60000 */
  STREAM_TOKEN_TTL_MS: int(1_000, 3_600_000).default(60_000),
});
export type AuthSettings = z.infer<typeof authSettings>;

/** Settings that each parse but cannot work together, one line each. */
export function authProblems(auth: AuthSettings): string[] {
  const problems: string[] = [];
  if (auth.mode.includes('jwt') && !auth.jwtSecret && !auth.jwtJwksUrl)
    problems.push('  AUTH_MODE=jwt: set JWT_SECRET (HS256) or JWT_JWKS_URL (RS256/ES256)');
  if (auth.mode.includes('api_key') && !auth.adminToken)
    problems.push('  AUTH_MODE=api_key: set ADMIN_TOKEN, or no one can create an API key');
  return problems;
}
