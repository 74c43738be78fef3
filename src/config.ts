import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { DEFAULT_MAX_MESSAGE_CHARS } from './protocol/index.js';

const int = (min: number, max: number) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

/** Environment variables and their defaults; the README's configuration table mirrors this. */
const envSchema = z.object({
  /** @default 8000 */
  PORT: int(0, 65_535).default(8000),
  /** @default 127.0.0.1 */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** Where the embedded database lives. @default ./data */
  DATA_DIR: z.string().min(1).default('./data'),
  /** PostgreSQL instead of the embedded database. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Interval of `: ping` comment lines on open event streams. @default 15000 */
  SSE_KEEPALIVE_MS: int(1_000, 600_000).default(15_000),
  /** @default 32000 */
  MAX_MESSAGE_CHARS: int(1, 1_000_000).default(DEFAULT_MAX_MESSAGE_CHARS),
  /** Largest accepted request body. @default 1048576 */
  BODY_LIMIT_BYTES: int(1_024, 100 * 1024 * 1024).default(1024 * 1024),
  /** @default local */
  DEFAULT_MODEL: z.string().min(1).default('local'),
  /** Pace of the offline `local` model; 0 streams as fast as possible. @default 20 */
  LOCAL_TOKEN_DELAY_MS: int(0, 10_000).default(20),
});

export type Env = z.input<typeof envSchema>;

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  sseKeepAliveMs: number;
  maxMessageChars: number;
  bodyLimitBytes: number;
  defaultModel: string;
  localTokenDelayMs: number;
}

/** Thrown at start when a setting cannot work; its message names every bad value. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Validates settings from an environment (process.env by default). */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable means "not set", as shells and .env files write it.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      return `  ${name}=${JSON.stringify(present[name] ?? '')}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    logLevel: e.LOG_LEVEL,
    sseKeepAliveMs: e.SSE_KEEPALIVE_MS,
    maxMessageChars: e.MAX_MESSAGE_CHARS,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    defaultModel: e.DEFAULT_MODEL,
    localTokenDelayMs: e.LOCAL_TOKEN_DELAY_MS,
  };
}

/** The process environment over an optional `.env` file: a variable already set wins. */
export function environmentWithDotEnv(path = '.env'): Record<string, string | undefined> {
  if (!existsSync(path)) return process.env;
  return { ...parseEnv(readFileSync(path, 'utf8')), ...process.env };
}
