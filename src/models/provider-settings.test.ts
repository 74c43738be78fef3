import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config/index.js';
import { ModelRegistry, ProviderNotConfiguredError, UnknownModelError } from './model-registry.js';
import { parseProviders } from './provider-settings.js';

describe('parseProviders', () => {
  it('turns on each provider whose variable is set, and names several OpenAI-compatible servers', () => {
    const { providers, problems } = parseProviders({
      OPENAI_API_KEY: 'sk-1',
      OPENAI_BASE_URL: 'http://127.0.0.1:1/v1/',
      OLLAMA_BASE_URL: 'http://127.0.0.1:11434',
      OLLAMA_MODELS: 'llama3.2, qwen2.5:7b',
      OPENAI_COMPATIBLE_VLLM_BASE_URL: 'http://gpu:8000/v1',
      OPENAI_COMPATIBLE_LLAMA_CPP_BASE_URL: 'http://127.0.0.1:8080/v1',
      OPENAI_COMPATIBLE_LLAMA_CPP_MODELS: 'default',
    });
    expect(problems).toEqual([]);
    expect(providers.map((p) => [p.id, p.kind, p.baseURL, p.models])).toEqual([
      ['openai', 'openai', 'http://127.0.0.1:1/v1', ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini']],
      ['ollama', 'openai-compatible', 'http://127.0.0.1:11434/v1', ['llama3.2', 'qwen2.5:7b']],
      ['llama-cpp', 'openai-compatible', 'http://127.0.0.1:8080/v1', ['default']],
      ['vllm', 'openai-compatible', 'http://gpu:8000/v1', []],
    ]);
  });

  it('reports a bad URL without echoing any key', () => {
    expect(() => loadConfig({ ANTHROPIC_API_KEY: 'sk-ant-secret', ANTHROPIC_BASE_URL: 'ftp://x' })).toThrow(
      ConfigError,
    );
    try {
      loadConfig({ ANTHROPIC_API_KEY: 'sk-ant-secret', ANTHROPIC_BASE_URL: 'ftp://x' });
    } catch (error) {
      expect((error as Error).message).toContain(
        'ANTHROPIC_BASE_URL="ftp://x": must be an http:// or https:// URL',
      );
      expect((error as Error).message).not.toContain('sk-ant-secret');
    }
  });
});

describe('ModelRegistry', () => {
  const registry = new ModelRegistry(
    'local',
    parseProviders({ OLLAMA_BASE_URL: 'http://127.0.0.1:11434' }).providers,
  );

  it('builds provider:model ids of configured providers, any model name, once', () => {
    const a = registry.resolve('ollama:qwen2.5:7b');
    expect(a.model.modelId).toBe('qwen2.5:7b');
    expect(registry.resolve('ollama:qwen2.5:7b').model).toBe(a.model);
  });

  it('names the missing variable for a known provider that is not configured', () => {
    expect(() => registry.resolve('anthropic:claude-sonnet-4-5')).toThrow(ProviderNotConfiguredError);
    expect(() => registry.resolve('anthropic:claude-sonnet-4-5')).toThrow(/set ANTHROPIC_API_KEY/);
    expect(() => registry.resolve('gpt-4o')).toThrow(UnknownModelError);
  });

  it('lists the configured models', () => {
    expect(registry.list().map((m) => m.id)).toEqual(['ollama:llama3.2']);
  });
});
