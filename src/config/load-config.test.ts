import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, environmentWithDotEnv, loadConfig } from './load-config.js';

describe('loadConfig', () => {
  it('caps one user at 30 chats a minute and 3 runs behind auth, at 600 and 20 without it; a set value wins', () => {
    const authed = { AUTH_MODE: 'api_key', ADMIN_TOKEN: 'a'.repeat(32) };
    expect(loadConfig(authed).limits).toMatchObject({ chatPerMin: 30, maxConcurrentRunsPerUser: 3 });
    expect(loadConfig({}).limits).toMatchObject({ chatPerMin: 600, maxConcurrentRunsPerUser: 20 });
    expect(
      loadConfig({ RATE_LIMIT_CHAT_PER_MIN: '5', MAX_CONCURRENT_RUNS_PER_USER: '2' }).limits,
    ).toMatchObject({ chatPerMin: 5, maxConcurrentRunsPerUser: 2 });
  });

  it('reads comma-separated lists item by item, trimmed, and none when unset', () => {
    const config = loadConfig({
      VISION_MODELS: ' ollama:llava , lab:vis-*,,',
      CORS_ORIGINS: 'https://a.example',
    });
    expect(config.models.visionModels).toEqual(['ollama:llava', 'lab:vis-*']);
    expect(config.server.corsOrigins).toEqual(['https://a.example']);
    expect(loadConfig({}).models.visionModels).toEqual([]);
  });

  it('has working defaults for the embedded setup', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      server: { port: 8000, host: '127.0.0.1', corsOrigins: [] },
      storage: { redisPrefix: 'sf:' },
      delivery: { keepaliveMs: 15_000, retryMs: 1_000, subscriberStallMs: 30_000 },
      runs: { retentionMs: 600_000, graceMs: 30_000 },
      limits: { maxMessageChars: 32_000, chatPerMin: 600, maxConcurrentRunsPerUser: 20 },
      models: {
        defaultModel: 'local',
        localTokenDelayMs: 20,
        maxRetries: 2,
        timeoutMs: 0,
        providers: [],
      },
      auth: { mode: [], streamTokenTtlMs: 60_000 },
    });
    expect(config.storage.databaseUrl).toBeUndefined();
    expect(config.storage.redisUrl).toBeUndefined();
    expect(config.storage.dataDir).toBe(join(process.cwd(), 'data'));
    expect(Object.keys(config.answers.systemTemplates)).toEqual(['concise', 'detailed']);
  });

  it('names every bad value and says what is wrong with it', () => {
    expect(() => loadConfig({ PORT: 'eighty', SSE_KEEPALIVE_MS: '10', DATABASE_URL: 'mysql://x' })).toThrow(
      ConfigError,
    );
    try {
      loadConfig({ PORT: 'eighty', SSE_KEEPALIVE_MS: '10', DATABASE_URL: 'mysql://x' });
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('PORT="eighty": must be a number');
      expect(message).toContain('SSE_KEEPALIVE_MS="10": must be at least 1000');
      expect(message).toContain('DATABASE_URL="mysql://x": must be a postgres:// or postgresql:// URL');
    }
  });

  it('names settings that parse but cannot work together', () => {
    expect(() => loadConfig({ AUTH_MODE: 'jwt', CORS_ORIGINS: '*' })).toThrow(
      /AUTH_MODE=jwt: set JWT_SECRET[^]*CORS_ORIGINS="\*": not allowed with credentials/,
    );
  });

  it('reads named system prompts from SYSTEM_PROMPT_TEMPLATE_<NAME>', () => {
    const config = loadConfig({ SYSTEM_PROMPT_TEMPLATE_PIRATE: 'Arr.' });
    expect(config.answers.systemTemplates.pirate).toBe('Arr.');
  });

  it('treats an empty variable as unset', () => {
    const config = loadConfig({ PORT: '', DATABASE_URL: '' });
    expect(config.server.port).toBe(8000);
    expect(config.storage.databaseUrl).toBeUndefined();
  });
});

describe('environmentWithDotEnv', () => {
  it('reads a .env file, and a variable already set in the environment wins', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sf-env-'));
    const file = join(dir, '.env');
    writeFileSync(file, 'PORT=9100\nSF_TEST_ONLY_FROM_FILE=yes\nPATH=from-file\n');
    const env = environmentWithDotEnv(file);
    expect(env.SF_TEST_ONLY_FROM_FILE).toBe('yes');
    expect(env.PATH).toBe(process.env.PATH);
    expect(loadConfig(env).server.port).toBe(process.env.PORT ? Number(process.env.PORT) : 9100);
  });
});
