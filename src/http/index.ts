export type { App, AppContext } from './app-context.js';
export { registerOpenApi } from './openapi.js';
export { HttpProblem, PROBLEM_CONTENT_TYPE, problem, problemFor, sendProblem } from './problem.js';
export { chatRoutes } from './routes/chat-routes.js';
export { conversationRoutes } from './routes/conversation-routes.js';
export { documentRoutes } from './routes/document-routes.js';
export { modelRoutes } from './routes/model-routes.js';
export { serviceRoutes } from './routes/service-routes.js';
export { formatSseEvent, SSE_HEADERS, SSE_PING, writeSse } from './sse-writer.js';
