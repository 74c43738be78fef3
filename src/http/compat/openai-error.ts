import type { onSendAsyncHookHandler } from 'fastify';
import { type OpenaiError, openaiErrorSchema, type Problem, problemSchema } from '../../protocol/index.js';
import { PROBLEM_CONTENT_TYPE } from '../problem.js';

/** A problem document that also carries the OpenAI `error` member (added to every problem of the route). */
export const openaiProblemSchema = problemSchema
  .extend({ error: openaiErrorSchema.optional().describe('Always present on the OpenAI-compatible routes') })
  .meta({ id: 'OpenAIProblem' });

/** The OpenAI error type of a status: the names OpenAI clients and their users know. */
function errorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  return status < 500 ? 'invalid_request_error' : 'server_error';
}

export function openaiErrorOf(p: Problem): OpenaiError {
  const path = p.errors?.[0]?.path;
  return {
    message: p.detail,
    type: errorType(p.status),
    param: path ? path.replace(/^body\.?/, '') || null : null,
    code: p.code,
  };
}

/**
 * onSend hook: every problem+json the route answers — from its handler, validation, auth, the rate limiter
 * or the body parser — also gets `error: {message, type, param, code}`, so OpenAI clients show the message
 * instead of "400 status code (no body)". The problem members stay as they are for everyone else.
 */
export const addOpenaiError: onSendAsyncHookHandler = async (_request, reply, payload) => {
  const type = reply.getHeader('content-type');
  if (typeof payload !== 'string' || typeof type !== 'string' || !type.startsWith(PROBLEM_CONTENT_TYPE))
    return payload;
  const parsed = problemSchema.safeParse(JSON.parse(payload));
  if (!parsed.success) return payload;
  return JSON.stringify({ ...parsed.data, error: openaiErrorOf(parsed.data) });
};
