import { z } from 'zod';

/** How StreamForge talks to a provider: which AI SDK package builds its models. */
export type ProviderKind = 'openai' | 'anthropic' | 'google' | 'openai-compatible';

/** A configured provider: model ids `<id>:<model>` go to it. */
export interface ProviderSettings {
  id: string;
  kind: ProviderKind;
  /** Secret: never logged, never sent to a client. */
  apiKey: string | undefined;
  baseURL: string | undefined;
  /** Models listed by `GET /v1/models`; any other model name of this provider may still be requested. */
  models: string[];
}

/** A provider StreamForge knows by name, and the variable that turns it on. */
export interface KnownProvider {
  id: string;
  kind: ProviderKind;
  /** The variable without which the provider is off. */
  required: string;
  apiKeyVar?: string;
  baseUrlVar: string;
  modelsVar: string;
  defaultModels: string[];
  /** Path appended to the configured base URL (Ollama serves its OpenAI-compatible API under /v1). */
  baseUrlSuffix?: string;
}

export const KNOWN_PROVIDERS: readonly KnownProvider[] = [
  {
    id: 'openai',
    kind: 'openai',
    required: 'OPENAI_API_KEY',
    apiKeyVar: 'OPENAI_API_KEY',
    baseUrlVar: 'OPENAI_BASE_URL',
    modelsVar: 'OPENAI_MODELS',
    defaultModels: ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini'],
  },
  {
    id: 'anthropic',
    kind: 'anthropic',
    required: 'ANTHROPIC_API_KEY',
    apiKeyVar: 'ANTHROPIC_API_KEY',
    baseUrlVar: 'ANTHROPIC_BASE_URL',
    modelsVar: 'ANTHROPIC_MODELS',
    defaultModels: ['claude-sonnet-4-5', 'claude-haiku-4-5'],
  },
  {
    id: 'google',
    kind: 'google',
    required: 'GOOGLE_GENERATIVE_AI_API_KEY',
    apiKeyVar: 'GOOGLE_GENERATIVE_AI_API_KEY',
    baseUrlVar: 'GOOGLE_BASE_URL',
    modelsVar: 'GOOGLE_MODELS',
    defaultModels: ['gemini-2.5-flash', 'gemini-2.5-pro'],
  },
  {
    id: 'ollama',
    kind: 'openai-compatible',
    required: 'OLLAMA_BASE_URL',
    baseUrlVar: 'OLLAMA_BASE_URL',
    modelsVar: 'OLLAMA_MODELS',
    defaultModels: ['llama3.2'],
    baseUrlSuffix: '/v1',
  },
];

/** `OPENAI_COMPATIBLE_<NAME>_BASE_URL` names a server; its models are `<name>:<model>` (name lower-cased). */
const COMPATIBLE_PATTERN = /^OPENAI_COMPATIBLE_([A-Z0-9_]+)_BASE_URL$/;

const url = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });
const list = (value: string | undefined, fallback: string[]) =>
  value
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : fallback;

/**
 * The providers an environment turns on. Problems are returned as `VARIABLE="value": reason` lines
 * (values of key variables are never echoed).
 */
export function parseProviders(env: Record<string, string | undefined>): {
  providers: ProviderSettings[];
  problems: string[];
} {
  const providers: ProviderSettings[] = [];
  const problems: string[] = [];
  const checkUrl = (name: string): string | undefined => {
    const value = env[name];
    if (!value) return undefined;
    if (!url.safeParse(value).success)
      problems.push(`  ${name}=${JSON.stringify(value)}: must be an http:// or https:// URL`);
    return value.replace(/\/+$/, '');
  };
  for (const known of KNOWN_PROVIDERS) {
    const baseURL = checkUrl(known.baseUrlVar);
    if (!env[known.required]) continue;
    providers.push({
      id: known.id,
      kind: known.kind,
      apiKey: known.apiKeyVar ? env[known.apiKeyVar] : undefined,
      baseURL: baseURL && known.baseUrlSuffix ? `${baseURL}${known.baseUrlSuffix}` : baseURL,
      models: list(env[known.modelsVar], known.defaultModels),
    });
  }
  for (const name of Object.keys(env).sort()) {
    const match = COMPATIBLE_PATTERN.exec(name);
    if (!match?.[1] || !env[name]) continue;
    const id = match[1].toLowerCase().replaceAll('_', '-');
    if (id === 'local' || KNOWN_PROVIDERS.some((k) => k.id === id)) {
      problems.push(`  ${name}: "${id}" is a built-in provider name; choose another`);
      continue;
    }
    providers.push({
      id,
      kind: 'openai-compatible',
      apiKey: env[`OPENAI_COMPATIBLE_${match[1]}_API_KEY`],
      baseURL: checkUrl(name),
      models: list(env[`OPENAI_COMPATIBLE_${match[1]}_MODELS`], []),
    });
  }
  return { providers, problems };
}
