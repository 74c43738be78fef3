import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { UnknownTemplateError } from '../chat/index.js';
import { ProviderNotConfiguredError, UnknownModelError } from '../models/index.js';
import type { Problem } from '../protocol/index.js';
import {
  ConversationFullError,
  InvalidCursorError,
  RegenerationError,
  TooManyRunsError,
} from '../store/index.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Thrown by a handler to answer with a problem document. */
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

/** Maps anything a route throws to a problem document; internal detail goes to the log only. */
export function problemFor(error: FastifyError | Error, request: Pick<FastifyRequest, 'url'>): Problem {
  const instance = request.url.split('?')[0];
  if (error instanceof HttpProblem)
    return problem(error.status, error.code, error.detail, instance, error.errors);
  if (error instanceof UnknownModelError) return problem(400, 'unknown_model', error.message, instance);
  if (error instanceof ProviderNotConfiguredError) {
    return problem(400, 'provider_not_configured', error.message, instance);
  }
  if (error instanceof UnknownTemplateError)
    return problem(400, 'unknown_system_template', error.message, instance);
  if (error instanceof InvalidCursorError) return problem(400, 'invalid_cursor', error.message, instance);
  if (error instanceof ConversationFullError)
    return problem(422, 'conversation_full', error.message, instance);
  if (error instanceof TooManyRunsError) return problem(429, 'too_many_runs', error.message, instance);
  if (error instanceof RegenerationError) return problem(409, error.code, error.message, instance);
  if (hasZodFastifySchemaValidationErrors(error)) {
    const errors = error.validation.map((v) => ({
      path: `${(error as FastifyError).validationContext ?? 'body'}${v.instancePath.replaceAll('/', '.').replace(/\.$/, '')}`,
      message: v.message ?? 'invalid',
    }));
    const tooLong = error.validation.some((v) => v.instancePath === '/message' && v.keyword === 'too_big');
    const code = tooLong ? 'message_too_long' : 'invalid_request';
    return problem(400, code, errors.map((e) => `${e.path}: ${e.message}`).join('; '), instance, errors);
  }
  const fastifyCode = (error as FastifyError).code;
  switch (fastifyCode) {
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
  return problem(500, 'internal_error', 'Something went wrong on our side. Please try again.', instance);
}
