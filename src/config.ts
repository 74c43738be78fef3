import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { type Price, parseProviders, type ProviderSettings, priceTableSchema } from './models/index.js';
import { DEFAULT_MAX_MESSAGE_CHARS } from './protocol/index.js';

/** The server's system prompt when none is configured. */
export const DEFAULT_SYSTEM_PROMPT =
  'You are StreamForge, a helpful assistant. Answer accurately and concisely; say so when you do not know.';

/** Named system prompts a request can pick with `system_template`; `SYSTEM_PROMPT_TEMPLATE_<NAME>` adds more. */
export const BUILT_IN_TEMPLATES: Readonly<Record<string, string>> = {
  concise: 'You are a helpful assistant. Answer in at most three sentences, without preamble.',
  detailed:
    'You are a helpful assistant. Answer thoroughly: explain your reasoning step by step and give examples.',
};
const TEMPLATE_PATTERN = /^SYSTEM_PROMPT_TEMPLATE_([A-Z0-9_]+)$/;

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
  /** `retry:` sent to resuming EventSource clients: how soon they reconnect after a drop. @default 1000 */
  SSE_RETRY_MS: int(0, 600_000).default(1_000),
  /** @default 32000 */
  MAX_MESSAGE_CHARS: int(1, 1_000_000).default(DEFAULT_MAX_MESSAGE_CHARS),
  /** Largest accepted request body. @default 1048576 */
  BODY_LIMIT_BYTES: int(1_024, 100 * 1024 * 1024).default(1024 * 1024),
  /** @default local */
  DEFAULT_MODEL: z.string().min(1).default('local'),
  /** Pace of the offline `local` model; 0 streams as fast as possible. @default 20 */
  LOCAL_TOKEN_DELAY_MS: int(0, 10_000).default(20),
  /** The server's system prompt. */
  SYSTEM_PROMPT: z.string().min(1).default(DEFAULT_SYSTEM_PROMPT),
  /** Earlier turns sent to a model are trimmed, oldest first, to this many tokens. @default 8000 */
  HISTORY_TOKEN_BUDGET: int(100, 2_000_000).default(8_000),
  /** Cap on the tokens a model may generate per answer; unset: the provider's default. */
  MAX_OUTPUT_TOKENS: int(1, 1_000_000).optional(),
  /** Retries of a model call that failed with 429/5xx before its first token. @default 2 */
  MODEL_MAX_RETRIES: int(0, 10).default(2),
  /** First retry delay; doubles per retry, with jitter, unless the upstream sends Retry-After. @default 500 */
  MODEL_RETRY_BASE_MS: int(0, 60_000).default(500),
  /** Longest wait between retries. @default 8000 */
  MODEL_RETRY_MAX_MS: int(0, 300_000).default(8_000),
  /** Longest a whole model call may take. @default 120000 */
  MODEL_TIMEOUT_MS: int(100, 3_600_000).default(120_000),
  /** Longest wait for the model's next token. @default 30000 */
  MODEL_IDLE_TIMEOUT_MS: int(100, 600_000).default(30_000),
  /** Components (tables, cards) per answer; more are skipped with a notice. @default 5 */
  MAX_COMPONENTS: int(0, 100).default(5),
  /** Pause between a table's rows, so clients see it fill. @default 20 */
  COMPONENT_ROW_DELAY_MS: int(0, 10_000).default(20),
  /** `provider:model` that embeds documents for vector retrieval; unset: lexical retrieval only. */
  EMBEDDING_MODEL: z.string().min(3).optional(),
  /** Largest accepted uploaded file. @default 20971520 (20 MB) */
  MAX_UPLOAD_BYTES: int(1, 1024 * 1024 * 1024).default(20 * 1024 * 1024),
  /** Files per upload request. @default 20 */
  MAX_FILES_PER_UPLOAD: int(1, 1000).default(20),
  /** Redis for run logs, cancels and presence shared by several instances; unset: in-process. */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  /** Prefix of StreamForge's Redis keys and channels. @default sf: */
  REDIS_PREFIX: z.string().min(1).max(50).default('sf:'),
  /** How long a finished run's events stay readable for resumes. @default 600000 (10 minutes) */
  RUN_RETENTION_MS: int(1_000, 7 * 24 * 3_600_000).default(600_000),
  /** A `continue` run with no subscriber for this long is cancelled. @default 30000 */
  RUN_GRACE_MS: int(100, 3_600_000).default(30_000),
  /** How long an instance's claim on its runs lasts unrenewed; a dead instance's runs are interrupted after it. @default 15000 */
  RUN_LEASE_MS: int(300, 600_000).default(15_000),
  /** How often instances look for runs of dead instances. @default 5000 */
  RUN_SWEEP_MS: int(100, 600_000).default(5_000),
  /** How often a running answer's text is saved (what a crash can lose at most). @default 2000 */
  RUN_CHECKPOINT_MS: int(100, 600_000).default(2_000),
  /** A subscriber whose socket stays full this long is disconnected (it resumes from where it was). @default 30000 */
  SUBSCRIBER_STALL_MS: int(100, 600_000).default(30_000),
  /** Who may call: `none` (one local user), or `jwt`, `api_key`, or both comma-separated. @default none */
  AUTH_MODE: z
    .string()
    .default('none')
    .transform((v, ctx) => {
      const modes = v.split(',').map((m) => m.trim());
      const ok = v === 'none' || (modes.length > 0 && modes.every((m) => m === 'jwt' || m === 'api_key'));
      if (!ok) ctx.addIssue({ code: 'custom', message: 'must be none, jwt, api_key, or jwt,api_key' });
      return v === 'none' ? [] : (modes as ('jwt' | 'api_key')[]);
    }),
  /** HS256 secret for JWTs (at least 32 characters). */
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** JWKS URL for RS256/ES256 JWTs. */
  JWT_JWKS_URL: z.url({ error: 'must be a URL' }).optional(),
  JWT_ISSUER: z.string().min(1).optional(),
  JWT_AUDIENCE: z.string().min(1).optional(),
  /** Bearer token of the admin routes (API keys). */
  ADMIN_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Signs stream tokens; instances behind one load balancer need the same. Default: random per process. */
  STREAM_TOKEN_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Lifetime of a stream token. @default 60000 */
  STREAM_TOKEN_TTL_MS: int(1_000, 3_600_000).default(60_000),
  /** Requests per minute per user: chat (POST /v1/chat and the compat chat routes). @default 30 */
  RATE_LIMIT_CHAT_PER_MIN: int(1, 1_000_000).default(30),
  /** Requests per minute per user: document uploads and search. @default 60 */
  RATE_LIMIT_DOCUMENTS_PER_MIN: int(1, 1_000_000).default(60),
  /** Requests per minute per user: everything else under /v1. @default 600 */
  RATE_LIMIT_DEFAULT_PER_MIN: int(1, 1_000_000).default(600),
  /** Runs one user may have running at once. @default 3 */
  MAX_CONCURRENT_RUNS_PER_USER: int(1, 10_000).default(3),
  /** Messages one conversation may hold. @default 1000 */
  MAX_MESSAGES_PER_CONVERSATION: int(2, 1_000_000).default(1_000),
  /** Origins allowed by CORS, comma-separated; unset: no cross-origin access. `*` is refused with credentials. */
  CORS_ORIGINS: z.string().optional(),
  /** How long SIGTERM waits for running runs before storing them interrupted. @default 10000 */
  SHUTDOWN_DEADLINE_MS: int(0, 600_000).default(10_000),
  /** JSON: per-model prices overriding the built-in table. */
  MODEL_PRICES: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return {};
      try {
        const parsed = priceTableSchema.safeParse(JSON.parse(value));
        if (parsed.success) return parsed.data;
      } catch {
        // reported below
      }
      ctx.addIssue({
        code: 'custom',
        message: 'must be JSON like {"openai:gpt-4o-mini": {"input_per_mtok": 0.15, "output_per_mtok": 0.6}}',
      });
      return z.NEVER;
    }),
});

export type Env = z.input<typeof envSchema>;

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  sseKeepAliveMs: number;
  sseRetryMs: number;
  maxMessageChars: number;
  bodyLimitBytes: number;
  defaultModel: string;
  localTokenDelayMs: number;
  /** Providers turned on by the environment; holds API keys, so never log it whole. */
  providers: ProviderSettings[];
  systemPrompt: string;
  /** Named system prompts, by lower-case name. */
  systemTemplates: Record<string, string>;
  historyTokenBudget: number;
  maxOutputTokens: number | undefined;
  modelCalls: {
    maxRetries: number;
    retryBaseMs: number;
    retryMaxMs: number;
    timeoutMs: number;
    idleTimeoutMs: number;
  };
  prices: Record<string, Price>;
  maxComponents: number;
  componentRowDelayMs: number;
  embeddingModel: string | undefined;
  redisUrl: string | undefined;
  redisPrefix: string;
  runs: { retentionMs: number; graceMs: number; leaseMs: number; sweepMs: number; checkpointMs: number };
  subscriberStallMs: number;
  auth: {
    modes: ('jwt' | 'api_key')[];
    jwtSecret: string | undefined;
    jwksUrl: string | undefined;
    issuer: string | undefined;
    audience: string | undefined;
    adminToken: string | undefined;
    streamTokenSecret: string | undefined;
    streamTokenTtlMs: number;
  };
  rateLimits: { chatPerMin: number; documentsPerMin: number; defaultPerMin: number };
  maxConcurrentRunsPerUser: number;
  maxMessagesPerConversation: number;
  corsOrigins: string[];
  shutdownDeadlineMs: number;
  maxUploadBytes: number;
  maxFilesPerUpload: number;
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
  const { providers, problems } = parseProviders(present);
  const lines = parsed.success
    ? []
    : parsed.error.issues.map((issue) => {
        const name = String(issue.path[0]);
        return `  ${name}=${JSON.stringify(present[name] ?? '')}: ${issue.message}`;
      });
  lines.push(...problems);
  if (parsed.success) {
    const a = parsed.data;
    if (a.AUTH_MODE.includes('jwt') && !a.JWT_SECRET && !a.JWT_JWKS_URL) {
      lines.push('  AUTH_MODE=jwt: set JWT_SECRET (HS256) or JWT_JWKS_URL (RS256/ES256)');
    }
    if (a.AUTH_MODE.includes('api_key') && !a.ADMIN_TOKEN) {
      lines.push('  AUTH_MODE=api_key: set ADMIN_TOKEN, or no one can create an API key');
    }
    if ((a.CORS_ORIGINS ?? '').split(',').some((o) => o.trim() === '*') && a.AUTH_MODE.length > 0) {
      lines.push(
        '  CORS_ORIGINS="*": not allowed with credentials (AUTH_MODE is not none); list the origins',
      );
    }
  }
  if (!parsed.success || lines.length > 0) {
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const systemTemplates: Record<string, string> = { ...BUILT_IN_TEMPLATES };
  for (const [name, value] of Object.entries(present)) {
    const match = TEMPLATE_PATTERN.exec(name);
    if (match?.[1] && value) systemTemplates[match[1].toLowerCase()] = value;
  }
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    logLevel: e.LOG_LEVEL,
    sseKeepAliveMs: e.SSE_KEEPALIVE_MS,
    sseRetryMs: e.SSE_RETRY_MS,
    maxMessageChars: e.MAX_MESSAGE_CHARS,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    defaultModel: e.DEFAULT_MODEL,
    localTokenDelayMs: e.LOCAL_TOKEN_DELAY_MS,
    providers,
    systemPrompt: e.SYSTEM_PROMPT,
    systemTemplates,
    historyTokenBudget: e.HISTORY_TOKEN_BUDGET,
    maxOutputTokens: e.MAX_OUTPUT_TOKENS,
    modelCalls: {
      maxRetries: e.MODEL_MAX_RETRIES,
      retryBaseMs: e.MODEL_RETRY_BASE_MS,
      retryMaxMs: e.MODEL_RETRY_MAX_MS,
      timeoutMs: e.MODEL_TIMEOUT_MS,
      idleTimeoutMs: e.MODEL_IDLE_TIMEOUT_MS,
    },
    prices: e.MODEL_PRICES,
    maxComponents: e.MAX_COMPONENTS,
    componentRowDelayMs: e.COMPONENT_ROW_DELAY_MS,
    embeddingModel: e.EMBEDDING_MODEL,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    runs: {
      retentionMs: e.RUN_RETENTION_MS,
      graceMs: e.RUN_GRACE_MS,
      leaseMs: e.RUN_LEASE_MS,
      sweepMs: e.RUN_SWEEP_MS,
      checkpointMs: e.RUN_CHECKPOINT_MS,
    },
    subscriberStallMs: e.SUBSCRIBER_STALL_MS,
    auth: {
      modes: e.AUTH_MODE,
      jwtSecret: e.JWT_SECRET,
      jwksUrl: e.JWT_JWKS_URL,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      adminToken: e.ADMIN_TOKEN,
      streamTokenSecret: e.STREAM_TOKEN_SECRET,
      streamTokenTtlMs: e.STREAM_TOKEN_TTL_MS,
    },
    rateLimits: {
      chatPerMin: e.RATE_LIMIT_CHAT_PER_MIN,
      documentsPerMin: e.RATE_LIMIT_DOCUMENTS_PER_MIN,
      defaultPerMin: e.RATE_LIMIT_DEFAULT_PER_MIN,
    },
    maxConcurrentRunsPerUser: e.MAX_CONCURRENT_RUNS_PER_USER,
    maxMessagesPerConversation: e.MAX_MESSAGES_PER_CONVERSATION,
    corsOrigins: (e.CORS_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    shutdownDeadlineMs: e.SHUTDOWN_DEADLINE_MS,
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    maxFilesPerUpload: e.MAX_FILES_PER_UPLOAD,
  };
}

/** The process environment over an optional `.env` file: a variable already set wins. */
export function environmentWithDotEnv(path = '.env'): Record<string, string | undefined> {
  if (!existsSync(path)) return process.env;
  return { ...parseEnv(readFileSync(path, 'utf8')), ...process.env };
}
