import type { FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated user; `local` when AUTH_MODE is none. Set by the auth hook before any handler. */
    userId: string;
  }
}

/** The one user of a server without auth. */
export const LOCAL_USER = 'local';

export function userIdOf(request: FastifyRequest): string {
  return request.userId ?? LOCAL_USER;
}
