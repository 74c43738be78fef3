import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, environmentWithDotEnv, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has working defaults for the embedded setup', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      sseKeepAliveMs: 15_000,
      maxMessageChars: 32_000,
      defaultModel: 'local',
      localTokenDelayMs: 20,
    });
    expect(config.dataDir).toBe(join(process.cwd(), 'data'));
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

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' })).toMatchObject({ port: 8000, databaseUrl: undefined });
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
    expect(loadConfig(env).port).toBe(process.env.PORT ? Number(process.env.PORT) : 9100);
  });
});
