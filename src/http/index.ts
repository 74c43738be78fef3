export type { App } from './app.js';
export { createHttpApp, type HttpTransports } from './create-http-app.js';
export { CORS_EXPOSED_HEADERS } from './guards/security.js';
export { type RateLimitGroup, rateLimitGroupOf } from './guards/rate-limits.js';
export { HttpProblem, PROBLEM_CONTENT_TYPE, problem, problemFor, sendProblem } from './problem.js';
export { SOCKET_IO_PATH } from './socket-io/attach-socket-io.js';
export { MAX_RUNS_PER_SOCKET } from './ws/serve-ws-connection.js';
