import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import type { z } from 'zod';
import { parseProviders, type ProviderSettings } from '../models/index.js';
import { type AnswerSettings, answerSettings } from './answer-settings.js';
import { type AuthSettings, authProblems, authSettings } from './auth-settings.js';
import { type DeliverySettings, deliverySettings } from './delivery-settings.js';
import { type LimitSettings, limitSettings, limitsFor } from './limit-settings.js';
import { type ModelSettings, modelSettings } from './model-settings.js';
import { type RunSettings, runSettings } from './run-settings.js';
import { type ServerSettings, serverSettings } from './server-settings.js';
import { type StorageSettings, storageSettings } from './storage-settings.js';

/** Named system prompts a request can pick with `system_template`; `SYSTEM_PROMPT_TEMPLATE_<NAME>` adds more. */
export const BUILT_IN_TEMPLATES: Readonly<Record<string, string>> = {
  concise: 'You are a helpful assistant. Answer in at most three sentences, without preamble.',
  detailed:
    'You are a helpful assistant. Answer thoroughly: explain your reasoning step by step and give examples.',
};
const TEMPLATE_PATTERN = /^SYSTEM_PROMPT_TEMPLATE_([A-Z0-9_]+)$/;

/** The validated settings, by section; each section's type is inferred from its schema. */
export interface Config {
  server: ServerSettings;
  storage: StorageSettings;
  delivery: DeliverySettings;
  runs: RunSettings;
  /** With the providers the environment turns on: they hold API keys, so never log them whole. */
  models: ModelSettings & { providers: ProviderSettings[] };
  /** With the named system prompts, by lower-case name. */
  answers: AnswerSettings & { systemTemplates: Record<string, string> };
  auth: AuthSettings;
  limits: LimitSettings;
}

/** Thrown at start when a setting cannot work; its message names every bad value. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Validates settings from an environment (process.env by default), section by section. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable means "not set", as shells and .env files write it.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const lines: string[] = [];
  const parse = <S extends z.ZodType>(section: S): z.output<S> => {
    const parsed = section.safeParse(present);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0]);
      lines.push(`  ${name}=${JSON.stringify(present[name] ?? '')}: ${issue.message}`);
    }
    return undefined as z.output<S>;
  };
  const server = parse(serverSettings);
  const storage = parse(storageSettings);
  const delivery = parse(deliverySettings);
  const runs = parse(runSettings);
  const models = parse(modelSettings);
  const answers = parse(answerSettings);
  const auth = parse(authSettings);
  const limits = parse(limitSettings);
  const { providers, problems } = parseProviders(present);
  lines.push(...problems);
  if (auth) lines.push(...authProblems(auth));
  if (server?.corsOrigins.includes('*') && auth && auth.mode.length > 0)
    lines.push('  CORS_ORIGINS="*": not allowed with credentials (AUTH_MODE is not none); list the origins');
  if (lines.length > 0) throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  return {
    server,
    storage,
    delivery,
    runs,
    models: { ...models, providers },
    answers: { ...answers, systemTemplates: templatesOf(present) },
    auth,
    limits: limitsFor(limits, auth.mode.length > 0),
  };
}

function templatesOf(env: Record<string, string | undefined>): Record<string, string> {
  const templates: Record<string, string> = { ...BUILT_IN_TEMPLATES };
  for (const [name, value] of Object.entries(env)) {
    const match = TEMPLATE_PATTERN.exec(name);
    if (match?.[1] && value) templates[match[1].toLowerCase()] = value;
  }
  return templates;
}

/** The process environment over an optional `.env` file: a variable already set wins. */
export function environmentWithDotEnv(path = '.env'): Record<string, string | undefined> {
  if (!existsSync(path)) return process.env;
  return { ...parseEnv(readFileSync(path, 'utf8')), ...process.env };
}
