import { DomainError } from '../domain-error.js';

/** A page cursor this server did not issue (conversations are paged by an opaque cursor). */
export class InvalidCursorError extends DomainError {
  constructor() {
    super('invalid', 'invalid_cursor', 'cursor is not one this server issued');
  }
}
