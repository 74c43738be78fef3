import type { FastifyError, FastifyReply } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { DomainError, InvalidInputError, type RefusalKind } from '../domain-error.js';
import { RateLimitedError } from '../limits/index.js';
import type { Problem } from '../protocol/index.js';
import { setRateLimitHeaders } from './guards/rate-limit-headers.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Thrown by a handler to answer with a problem document (refusals of the HTTP layer itself: auth, routes). */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly errors?: Problem['errors'],
  ) {
    super(detail);
  }
}

/** The one table from a refusal's kind to its HTTP status. */
const STATUS: Record<RefusalKind, number> = {
  invalid: 400,
  not_found: 404,
  conflict: 409,
  gone: 410,
  unprocessable: 422,
  rate_limited: 429,
  unavailable: 503,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  409: 'Conflict',
  410: 'Gone',
  405: 'Method Not Allowed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

export function problem(
  status: number,
  code: string,
  detail: string,
  instance?: string,
  errors?: Problem['errors'],
): Problem {
  return {
    type: `urn:streamforge:problem:${code}`,
    title: TITLES[status] ?? (status < 500 ? 'Bad Request' : 'Internal Server Error'),
    status,
    detail,
    code,
    ...(instance ? { instance } : {}),
    ...(errors ? { errors } : {}),
  };
}

export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  return reply.code(p.status).type(PROBLEM_CONTENT_TYPE).send(p);
}

/**
 * Maps anything a route (or a socket's message) throws to a problem document: refusals keep their code and
 * message, validation problems name their fields, and anything else is a 500 whose detail stays in the log.
 * `instance` is the request's path.
 */
export function problemFor(error: unknown, instance?: string): Problem {
  if (error instanceof InvalidInputError)
    return problem(400, error.code, error.message, instance, error.errors);
  if (error instanceof DomainError) return problem(STATUS[error.kind], error.code, error.message, instance);
  if (error instanceof HttpProblem)
    return problem(error.status, error.code, error.detail, instance, error.errors);
  if (!(error instanceof Error)) return internal(instance);
  if (hasZodFastifySchemaValidationErrors(error)) {
    const errors = error.validation.map((v) => ({
      path: `${(error as FastifyError).validationContext ?? 'body'}${v.instancePath.replaceAll('/', '.').replace(/\.$/, '')}`,
      message: v.message ?? 'invalid',
    }));
    const tooLong = error.validation.some((v) => v.instancePath === '/message' && v.keyword === 'too_big');
    return problemFor(new InvalidInputError(errors, tooLong), instance);
  }
  switch ((error as FastifyError).code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return problem(400, 'malformed_json', 'The request body is not valid JSON.', instance);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return problem(
        400,
        'malformed_json',
        'The request body is empty; a JSON object is required.',
        instance,
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problem(415, 'unsupported_media_type', 'Send the body as application/json.', instance);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem(413, 'body_too_large', 'The request body is larger than this server accepts.', instance);
  }
  const status = (error as FastifyError).statusCode;
  if (status && status >= 400 && status < 500) return problem(status, 'bad_request', error.message, instance);
  return internal(instance);
}

function internal(instance: string | undefined): Problem {
  return problem(500, 'internal_error', 'Something went wrong on our side. Please try again.', instance);
}

/** The headers that go with a refusal: when to try again, and the budget it spent. */
export function setRefusalHeaders(reply: FastifyReply, error: unknown): void {
  if (!(error instanceof DomainError)) return;
  if (error instanceof RateLimitedError) setRateLimitHeaders(reply, error.group, error.window);
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
}
