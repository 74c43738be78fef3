import { DomainError } from '../domain-error.js';
import type { TurnRefusal } from '../store/index.js';

export class ConversationNotFoundError extends DomainError {
  constructor(id: string | undefined) {
    super('not_found', 'conversation_not_found', `No conversation with id "${id}".`);
  }
}

export class DocumentNotFoundError extends DomainError {
  constructor(id: string) {
    super('not_found', 'document_not_found', `No document with id "${id}".`);
  }
}

/** The user already has as many answers running as one user may; one ends, and frees its slot, within seconds. */
export class TooManyRunsError extends DomainError {
  constructor(readonly max: number) {
    super(
      'rate_limited',
      'too_many_runs',
      `You have ${max} answers running, the most one user may have at once. Wait for one to finish, or cancel one.`,
      1,
    );
  }
}

/** The conversation holds as many messages as it may. */
export class ConversationFullError extends DomainError {
  constructor(readonly max: number) {
    super(
      'unprocessable',
      'conversation_full',
      `This conversation holds the most messages allowed (${max}). Start a new conversation.`,
    );
  }
}

/** Why a conversation cannot be answered again now. */
export class RegenerationError extends DomainError {
  constructor(code: 'answer_in_progress' | 'nothing_to_regenerate') {
    super(
      'conflict',
      code,
      code === 'answer_in_progress'
        ? 'The last answer is still being generated: cancel it or wait for it to finish.'
        : 'The conversation has no user message to answer.',
    );
  }
}

/** The error a refused admission becomes. */
export function refusalError(
  refusal: TurnRefusal,
  o: { conversationId: string | undefined; maxConcurrentRuns: number; maxMessages: number },
): DomainError {
  switch (refusal) {
    case 'too_many_runs':
      return new TooManyRunsError(o.maxConcurrentRuns);
    case 'conversation_not_found':
      return new ConversationNotFoundError(o.conversationId);
    case 'conversation_full':
      return new ConversationFullError(o.maxMessages);
    case 'answer_in_progress':
    case 'nothing_to_regenerate':
      return new RegenerationError(refusal);
  }
}

/** This instance is shutting down: the client asks again in a moment, and another instance answers. */
export class ServerRestartingError extends DomainError {
  constructor() {
    super(
      'unavailable',
      'server_restarting',
      'The server is restarting; send the message again in a moment.',
      1,
    );
  }
}
