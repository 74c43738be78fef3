export { type Config, ConfigError, loadConfig } from './config/index.js';
export * from './protocol/index.js';
export { type CreateServerOptions, createServer, type StreamForge, VERSION } from './server.js';
