import { DomainError } from '../domain-error.js';
import { languageName } from '../rag/index.js';

export interface SystemPromptSources {
  /** The server's prompt (`SYSTEM_PROMPT`). */
  serverPrompt: string;
  templates: Readonly<Record<string, string>>;
}

/** A request named a template that is not configured. */
export class UnknownTemplateError extends DomainError {
  constructor(
    readonly template: string,
    readonly available: string[],
  ) {
    super(
      'invalid',
      'unknown_system_template',
      `Unknown system_template "${template}". Available: ${available.join(', ')}.`,
    );
  }
}

/**
 * The system prompt a request asks for: its own, else its named template (`UnknownTemplateError` when there
 * is no such template), else the server's.
 */
export function basePromptFor(
  sources: SystemPromptSources,
  request: { system?: string; system_template?: string },
): string {
  if (request.system?.trim()) return request.system;
  if (!request.system_template) return sources.serverPrompt;
  const template = sources.templates[request.system_template.toLowerCase()];
  if (template === undefined)
    throw new UnknownTemplateError(request.system_template, Object.keys(sources.templates));
  return template;
}

/** The system prompt of a turn: the prompt asked for, then the instruction to answer in the user's language. */
export function withLanguage(prompt: string, language: string | null): string {
  if (!language) return prompt;
  const name = languageName(language);
  return `${prompt}\n\nThe user writes in ${name} (${language}). Answer in ${name} unless the user asks for another language.`;
}
