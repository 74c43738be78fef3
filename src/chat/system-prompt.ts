import { languageName } from './detect-language.js';

export interface SystemPromptSources {
  /** The server's prompt (`SYSTEM_PROMPT`). */
  serverPrompt: string;
  templates: Readonly<Record<string, string>>;
}

/** A request named a template that is not configured. */
export class UnknownTemplateError extends Error {
  constructor(
    readonly template: string,
    readonly available: string[],
  ) {
    super(`Unknown system_template "${template}". Available: ${available.join(', ')}.`);
  }
}

/**
 * The system prompt of a turn: the request's own, else its named template, else the server's; then the
 * instruction to answer in the user's language.
 */
export function systemPromptFor(
  sources: SystemPromptSources,
  request: { system?: string; system_template?: string },
  language: string | null,
): string {
  let prompt = sources.serverPrompt;
  if (request.system?.trim()) prompt = request.system;
  else if (request.system_template) {
    const template = sources.templates[request.system_template.toLowerCase()];
    if (template === undefined) {
      throw new UnknownTemplateError(request.system_template, Object.keys(sources.templates));
    }
    prompt = template;
  }
  if (!language) return prompt;
  const name = languageName(language);
  return `${prompt}\n\nThe user writes in ${name} (${language}). Answer in ${name} unless the user asks for another language.`;
}
