export * from './chat-request.js';
export * from './components.js';
export * from './conversation.js';
export * from './documents.js';
export * from './events.js';
export * from './ids.js';
export * from './models.js';
export * from './problem.js';
